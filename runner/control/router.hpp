// Registers the API's routes on the HTTP server with what every route shares: the token check
// (mutating calls always, read-only calls only when the listener is not loopback) and the
// translation of errors to Kafka Connect's shape (ApiError; an unknown connector is 404, a bad
// config 400 with every problem, anything else 500).
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

namespace ingest::control {

struct AuthPolicy {
    bool enabled = true;
    bool reads_need_token = false;  // a non-loopback listener: every call needs the token
    std::string token;
};

class Router {
   public:
    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

    Router(httplib::Server& server, AuthPolicy policy) : server_(server), policy_(std::move(policy)) {}

    // The router may go once the routes are registered: handlers keep what they need.
    // `pattern` is a regular expression over the decoded path; its groups are in request.matches.
    void get(const std::string& pattern, Handler handler);
    void post(const std::string& pattern, Handler handler);
    void put(const std::string& pattern, Handler handler);
    void patch(const std::string& pattern, Handler handler);
    void del(const std::string& pattern, Handler handler);

   private:
    Handler guarded(Handler handler, bool mutating) const;

    httplib::Server& server_;
    AuthPolicy policy_;
};

}  // namespace ingest::control
