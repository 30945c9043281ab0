#include "control/router.hpp"

#include "config/connector_config.hpp"
#include "control/api_error.hpp"
#include "control/auth.hpp"
#include "worker/herder.hpp"

#include <cctype>
#include <stdexcept>
#include <string_view>

namespace ingest::control {
namespace {

// The methods the API's routes use, in the order an `Allow` header lists them.
constexpr const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

bool is_mutating(const std::string& method) { return method != "GET"; }

// "/connectors/{connector}/tasks/{task}/status" → "/connectors/([^/]+)/tasks/([0-9]+)/status".
std::string path_pattern(const std::string& path) {
    std::string pattern;
    for (size_t i = 0; i < path.size();) {
        if (path[i] != '{') {
            // Letters, digits, '/', '-' and '_' mean themselves in a regular expression too.
            if (!std::isalnum(static_cast<unsigned char>(path[i])) && std::string_view("/-_").find(path[i]) == std::string_view::npos)
                throw std::logic_error("route path '" + path + "': unexpected '" + path[i] + "'");
            pattern += path[i++];
            continue;
        }
        const size_t end = path.find('}', i);
        if (end == std::string::npos) throw std::logic_error("route path '" + path + "': unclosed '{'");
        pattern += path.compare(i, end - i + 1, "{task}") == 0 ? "([0-9]+)" : "([^/]+)";
        i = end + 1;
    }
    return pattern;
}

}  // namespace

Router::Handler Router::guarded(Handler handler, bool mutating) const {
    return [policy = policy_, handler = std::move(handler), mutating](const httplib::Request& request, httplib::Response& response) {
        const bool needs_token = policy.enabled && (mutating || policy.reads_need_token);
        if (needs_token && !authorization_carries(request.get_header_value("Authorization"), policy.token)) {
            response.set_header("WWW-Authenticate", "Basic realm=\"ingest\"");
            reply_error(response, 401,
                        "this call needs the worker's API token (<state-dir>/token) as 'Authorization: Bearer <token>' "
                        "or as the password of HTTP Basic auth");
            return;
        }
        try {
            handler(request, response);
        } catch (const ApiError& error) {
            reply_error(response, error.status(), error.what());
        } catch (const worker::UnknownConnector& error) {
            reply_error(response, 404, error.what());
        } catch (const config::ConfigError& error) {
            std::string message = "Connector configuration is invalid and contains the following " +
                                  std::to_string(error.problems().size()) + " error(s):";
            for (const auto& problem : error.problems())
                message += "\n" + (problem.key.empty() ? "" : problem.key + ": ") + problem.message;
            reply_error(response, 400, message);
        }
    };
}

void Router::get(const std::string& path, const std::string& summary, Handler handler) {
    add("GET", path, summary, std::move(handler));
}
void Router::post(const std::string& path, const std::string& summary, Handler handler) {
    add("POST", path, summary, std::move(handler));
}
void Router::put(const std::string& path, const std::string& summary, Handler handler) {
    add("PUT", path, summary, std::move(handler));
}
void Router::patch(const std::string& path, const std::string& summary, Handler handler) {
    add("PATCH", path, summary, std::move(handler));
}
void Router::del(const std::string& path, const std::string& summary, Handler handler) {
    add("DELETE", path, summary, std::move(handler));
}

void Router::add(const char* method, const std::string& path, const std::string& summary, Handler handler) {
    // cpp-httplib tries a method's handlers in order of registration: one added after finish()
    // would sit behind the catch-all and never be reached.
    if (finished_) throw std::logic_error(std::string("route ") + method + " " + path + " added after finish()");
    const std::string pattern = path_pattern(path);
    routes_->push_back({std::regex(pattern), method});
    docs_.push_back({method, path, summary, is_mutating(method)});
    auto guarded_handler = guarded(std::move(handler), is_mutating(method));
    const std::string name(method);
    if (name == "GET") server_.Get(pattern, std::move(guarded_handler));
    else if (name == "POST") server_.Post(pattern, std::move(guarded_handler));
    else if (name == "PUT") server_.Put(pattern, std::move(guarded_handler));
    else if (name == "PATCH") server_.Patch(pattern, std::move(guarded_handler));
    else server_.Delete(pattern, std::move(guarded_handler));
}

void Router::finish() {
    if (finished_) return;
    finished_ = true;
    // Registered last for every method, so that it only sees requests no route of their method
    // took; the path is then matched against the routes of every method (cpp-httplib matches the
    // whole decoded path, as here).
    auto unrouted = [routes = routes_](const httplib::Request& request, httplib::Response& response) {
        std::string allow;
        for (const char* method : kMethods) {
            bool allowed = false;
            for (const auto& route : *routes)
                if (route.method == method && std::regex_match(request.path, route.pattern)) allowed = true;
            if (!allowed) continue;
            allow += (allow.empty() ? "" : ", ") + std::string(method);
            // cpp-httplib answers HEAD with the GET routes.
            if (std::string_view(method) == "GET") allow += ", HEAD";
        }
        if (allow.empty()) {
            reply_error(response, 404, "no such resource: " + request.method + " " + request.path);
            return;
        }
        response.set_header("Allow", allow);
        reply_error(response, 405, "HTTP 405 Method Not Allowed");
    };
    const std::string everything = "[\\s\\S]*";  // any path, newlines included
    server_.Get(everything, unrouted);
    server_.Post(everything, unrouted);
    server_.Put(everything, unrouted);
    server_.Patch(everything, unrouted);
    server_.Delete(everything, unrouted);
    server_.Options(everything, unrouted);
}

}  // namespace ingest::control
