#include "cli/rest_client.hpp"

#include <httplib.h>

#include <fstream>
#include <sstream>

namespace ingest::cli {
namespace {

constexpr time_t kConnectTimeoutSeconds = 3;
constexpr time_t kReadTimeoutSeconds = 60;  // a stop or restart waits for tasks to finish

std::string first_line(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

Endpoint parse_address(const std::string& address, const std::string& where) {
    std::string rest = address;
    if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    const auto colon = rest.rfind(':');
    Endpoint endpoint;
    try {
        if (colon == std::string::npos || colon == 0) throw std::invalid_argument("no port");
        endpoint.host = rest.substr(0, colon);
        if (endpoint.host.size() > 2 && endpoint.host.front() == '[' && endpoint.host.back() == ']')
            endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
        size_t used = 0;
        endpoint.port = std::stoi(rest.substr(colon + 1), &used);
        if (used != rest.size() - colon - 1 || endpoint.port <= 0 || endpoint.port > 65535)
            throw std::invalid_argument("bad port");
    } catch (const std::exception&) {
        throw ClientError(kClientUsage, where + ": '" + address + "' is not an address (expected http://HOST:PORT)");
    }
    return endpoint;
}

std::string message_of(const std::string& body) {
    boost::system::error_code error;
    auto parsed = boost::json::parse(body, error);
    if (!error && parsed.is_object())
        if (const auto* message = parsed.as_object().if_contains("message"); message && message->is_string())
            return std::string(message->as_string());
    return body.empty() ? std::string("no message") : body;
}

}  // namespace

Endpoint find_worker(const std::filesystem::path& state_dir, const std::string& url, const std::string& token_file) {
    Endpoint endpoint;
    if (!url.empty()) {
        endpoint = parse_address(url, "--url");
    } else {
        const auto file = state_dir / "rest";
        if (!std::filesystem::exists(file))
            throw ClientError(kWorkerUnreachable, "no worker found: " + file.string() +
                                                      " does not exist (is `ingest run` running with this "
                                                      "--state-dir? or give --url)");
        endpoint = parse_address(first_line(file), file.string());
    }
    const std::filesystem::path token_path = token_file.empty() ? state_dir / "token" : std::filesystem::path(token_file);
    if (std::filesystem::exists(token_path)) {
        endpoint.token = first_line(token_path);
    } else if (!token_file.empty()) {
        throw ClientError(kClientUsage, "--token-file " + token_file + " does not exist");
    }
    return endpoint;
}

boost::json::value RestClient::get(const std::string& path) const { return call("GET", path, nullptr); }
boost::json::value RestClient::put(const std::string& path, const boost::json::value& body) const {
    return call("PUT", path, &body);
}
boost::json::value RestClient::post(const std::string& path, const boost::json::value& body) const {
    return call("POST", path, &body);
}
boost::json::value RestClient::patch(const std::string& path, const boost::json::value& body) const {
    return call("PATCH", path, &body);
}
boost::json::value RestClient::del(const std::string& path) const { return call("DELETE", path, nullptr); }

boost::json::value RestClient::call(const char* method, const std::string& path, const boost::json::value* body) const {
    httplib::Client client(endpoint_.host, endpoint_.port);
    client.set_connection_timeout(kConnectTimeoutSeconds, 0);
    client.set_read_timeout(kReadTimeoutSeconds, 0);
    httplib::Headers headers;
    if (!endpoint_.token.empty()) headers.emplace("Authorization", "Bearer " + endpoint_.token);

    const std::string text = body && !body->is_null() ? boost::json::serialize(*body) : std::string();
    const std::string method_name(method);
    httplib::Result result = method_name == "GET"      ? client.Get(path, headers)
                             : method_name == "DELETE" ? client.Delete(path, headers)
                             : method_name == "PUT"    ? client.Put(path, headers, text, "application/json")
                             : method_name == "PATCH"  ? client.Patch(path, headers, text, "application/json")
                                                       : client.Post(path, headers, text, "application/json");
    if (!result)
        throw ClientError(kWorkerUnreachable, "the worker at " + endpoint_.describe() + " does not answer (" +
                                                  httplib::to_string(result.error()) + ")");
    const int status = result->status;
    if (status == 401 || status == 403)
        throw ClientError(kUnauthorized, "the worker refused the request (" + std::to_string(status) + "): " +
                                             message_of(result->body) +
                                             (endpoint_.token.empty() ? " (no token given: --token-file)" : ""));
    if (status == 404) throw ClientError(kNotFound, message_of(result->body));
    if (status >= 400)
        throw ClientError(kRequestFailed, method_name + " " + path + " failed (" + std::to_string(status) +
                                              "): " + message_of(result->body));
    if (result->body.empty()) return nullptr;
    boost::system::error_code error;
    auto parsed = boost::json::parse(result->body, error);
    if (error) throw ClientError(kRequestFailed, "the worker's answer to " + path + " is not JSON: " + error.message());
    return parsed;
}

std::string path_segment(const std::string& text) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

}  // namespace ingest::cli
