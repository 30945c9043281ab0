// Kafka Connect's error responses: every refusal is `{"error_code": <HTTP status>, "message": ...}`.
// Route handlers throw ApiError; the router turns it (and the herder's and config's own errors)
// into that shape, so no handler writes an error body itself.
#pragma once

#include <httplib.h>

#include <boost/json/fwd.hpp>

#include <stdexcept>
#include <string>

namespace ingest::control {

class ApiError : public std::runtime_error {
   public:
    ApiError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

   private:
    int status_;
};

// Sets `status` and a JSON body (secrets in it are the caller's business: bodies are built masked).
void reply(httplib::Response& response, int status, const boost::json::value& body);
// Sets `status` and Kafka Connect's error body; the message is passed through log::mask_secrets.
void reply_error(httplib::Response& response, int status, const std::string& message);

// The request body as one JSON object, parsed strictly (no comments, no trailing commas, nothing
// after the value, no key repeated in an object); ApiError 400 naming the line and column of the
// problem, or the repeated keys, otherwise.
boost::json::object parse_object_body(const httplib::Request& request);

}  // namespace ingest::control
