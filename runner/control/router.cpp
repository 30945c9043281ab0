#include "control/router.hpp"

#include "config/connector_config.hpp"
#include "control/api_error.hpp"
#include "control/auth.hpp"
#include "worker/herder.hpp"

namespace ingest::control {

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

void Router::get(const std::string& pattern, Handler handler) { server_.Get(pattern, guarded(std::move(handler), false)); }
void Router::post(const std::string& pattern, Handler handler) { server_.Post(pattern, guarded(std::move(handler), true)); }
void Router::put(const std::string& pattern, Handler handler) { server_.Put(pattern, guarded(std::move(handler), true)); }
void Router::patch(const std::string& pattern, Handler handler) { server_.Patch(pattern, guarded(std::move(handler), true)); }
void Router::del(const std::string& pattern, Handler handler) { server_.Delete(pattern, guarded(std::move(handler), true)); }

}  // namespace ingest::control
