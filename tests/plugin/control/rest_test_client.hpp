// A small client of the worker's REST API for tests: one call per request, the status and the
// parsed JSON body back, an optional token as `Authorization: Bearer`.
#pragma once

#include <httplib.h>

#include <boost/json.hpp>

#include <stdexcept>
#include <string>

namespace ingest::testing {

struct ApiResponse {
    int status = 0;
    std::string text;
    boost::json::value json() const { return text.empty() ? boost::json::value() : boost::json::parse(text); }
};

class RestTestClient {
   public:
    explicit RestTestClient(const std::string& address) : client_(address) {
        client_.set_connection_timeout(5);
        client_.set_read_timeout(30);
    }

    ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::string& token = "") {
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        return call_with(method, path, body, headers);
    }

    ApiResponse call_with(const std::string& method, const std::string& path, const std::string& body,
                          const httplib::Headers& headers) {
        const std::string type = "application/json";
        httplib::Result result = method == "GET"      ? client_.Get(path, headers)
                                 : method == "POST"   ? client_.Post(path, headers, body, type)
                                 : method == "PUT"    ? client_.Put(path, headers, body, type)
                                 : method == "PATCH"  ? client_.Patch(path, headers, body, type)
                                 : method == "DELETE" ? client_.Delete(path, headers, body, type)
                                                      : throw std::invalid_argument("method " + method);
        if (!result) throw std::runtime_error(method + " " + path + ": " + httplib::to_string(result.error()));
        return {result->status, result->body};
    }

   private:
    httplib::Client client_;
};

}  // namespace ingest::testing
