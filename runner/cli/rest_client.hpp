// The CLI's client of a running worker's REST API. The client commands talk to the worker only
// through it, never to the worker's objects. It finds the worker the way an operator would: the
// address and token the worker published in its state directory, unless told otherwise.
#pragma once

#include <boost/json.hpp>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace ingest::cli {

// Exit codes of the client commands, distinct so that scripts can tell what went wrong.
enum ClientExit {
    kClientOk = 0,
    kRequestFailed = 1,     // the worker answered with an error (the message says which)
    kClientUsage = 2,       // bad usage (CLI11's code too)
    kWorkerUnreachable = 3, // nothing answers at the worker's address
    kUnauthorized = 4,      // the token is missing or wrong
    kNotFound = 5,          // no such connector (or task)
};

// A failed call, with the exit code it maps to.
class ClientError : public std::runtime_error {
   public:
    ClientError(ClientExit exit_code, const std::string& message)
        : std::runtime_error(message), exit_code_(exit_code) {}
    ClientExit exit_code() const { return exit_code_; }

   private:
    ClientExit exit_code_;
};

struct Endpoint {
    std::string host;
    int port = 0;
    std::string token;  // empty: none
    std::string describe() const { return "http://" + host + ":" + std::to_string(port); }
};

// `url` ("http://host:port" or "host:port") or, when empty, `<state_dir>/rest`; the token from
// `token_file` or, when empty, `<state_dir>/token` if it exists. Throws ClientError.
Endpoint find_worker(const std::filesystem::path& state_dir, const std::string& url, const std::string& token_file);

class RestClient {
   public:
    explicit RestClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

    // Each returns the response body parsed as JSON (null for an empty body) and throws
    // ClientError for a transport failure or any status of 400 and above, with Kafka Connect's
    // `message` when the body carries one.
    boost::json::value get(const std::string& path) const;
    boost::json::value put(const std::string& path, const boost::json::value& body = nullptr) const;
    boost::json::value post(const std::string& path, const boost::json::value& body = nullptr) const;
    boost::json::value patch(const std::string& path, const boost::json::value& body) const;
    boost::json::value del(const std::string& path) const;

    const Endpoint& endpoint() const { return endpoint_; }

   private:
    boost::json::value call(const char* method, const std::string& path, const boost::json::value* body) const;
    Endpoint endpoint_;
};

// Percent-encodes a path segment (a connector name may hold any character).
std::string path_segment(const std::string& text);

}  // namespace ingest::cli
