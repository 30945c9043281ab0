// Registers the API's routes on the HTTP server with what every route shares: the token check
// (mutating calls always, read-only calls only when the listener is not loopback) and the
// translation of errors to Kafka Connect's shape (ApiError; an unknown connector is 404, a bad
// config 400 with every problem, anything else 500). It also knows every path and its methods, so
// a known path called with another method gets 405, as in Kafka Connect, not 404.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <vector>

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
    // `path` is the path as the API's reference shows it, each `{parameter}` one path segment
    // (`{task}`: digits only), in request.matches in order. `summary` is the route's line in the
    // reference (docs/rest-api.md is generated from these).
    void get(const std::string& path, const std::string& summary, Handler handler);
    void post(const std::string& path, const std::string& summary, Handler handler);
    void put(const std::string& path, const std::string& summary, Handler handler);
    void patch(const std::string& path, const std::string& summary, Handler handler);
    void del(const std::string& path, const std::string& summary, Handler handler);

    struct RouteDoc {
        std::string method;
        std::string path;
        std::string summary;
        bool mutating = false;  // needs the token wherever the worker listens
    };
    // Every route registered so far, in order.
    const std::vector<RouteDoc>& docs() const { return docs_; }

    // Call once every route is registered. A request that no route of its method takes then gets
    // 405 `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}` with an `Allow` header when
    // routes of other methods take its path, else 404. Neither needs the token: they change
    // nothing and say only what the API's documentation says. No route may be added afterwards.
    void finish();

   private:
    struct Route {
        std::regex pattern;
        std::string method;
    };
    void add(const char* method, const std::string& path, const std::string& summary, Handler handler);
    Handler guarded(Handler handler, bool mutating) const;

    httplib::Server& server_;
    AuthPolicy policy_;
    std::shared_ptr<std::vector<Route>> routes_ = std::make_shared<std::vector<Route>>();
    std::vector<RouteDoc> docs_;
    bool finished_ = false;
};

}  // namespace ingest::control
