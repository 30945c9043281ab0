#include "control/rest_server.hpp"

#include "control/file_config_store.hpp"

#include "control/api_error.hpp"
#include "control/router.hpp"
#include "control/routes.hpp"
#include "log/logging.hpp"
#include "worker/standalone_herder.hpp"

#include <httplib.h>

#include <arpa/inet.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <sstream>
#include <thread>

namespace ingest::control {

ListenAddress parse_listen_address(const std::string& text) {
    ListenAddress address;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw RestError("listen address '" + text + "' must be HOST:PORT or [IPv6]:PORT");
        address.host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) throw RestError("listen address '" + text + "' must be HOST:PORT");
        address.host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (address.host.empty() || port.empty() || error != std::errc() || end != port.data() + port.size() ||
        address.port < 0 || address.port > 65535)
        throw RestError("listen address '" + text + "' must be HOST:PORT with a port from 0 to 65535");
    return address;
}

bool is_loopback(const std::string& host) {
    if (host == "localhost") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// The herder's own store (cluster mode), else the connector files.
std::shared_ptr<worker::ConfigStore> config_store(worker::Herder& herder, worker::ConnectorFiles files) {
    if (auto* own = herder.config_store()) return std::shared_ptr<worker::ConfigStore>(own, [](worker::ConfigStore*) {});
    return std::make_shared<FileConfigStore>(herder, std::move(files));
}

struct RestServer::Impl {
    Impl(RestOptions options, worker::Herder& herder, const plugin_host::PluginCatalog& catalog,
         worker::ConnectorFiles files)
        : context{herder,
                  catalog,
                  config_store(herder, std::move(files)),
                  std::move(options.env),
                  std::move(options.metrics),
                  std::make_shared<std::atomic<bool>>(!options.starting),
                  std::move(options.record_initial_state)} {}

    RouteContext context;
    httplib::Server server;
    std::thread thread;
    std::atomic<bool> finished = false;  // the accept loop ended (or never started)
};

RestServer::RestServer(RestOptions options, worker::Herder& herder, const plugin_host::PluginCatalog& catalog,
                       worker::ConnectorFiles files) {
    const auto listen = parse_listen_address(options.listen);
    const bool loopback = is_loopback(listen.host);
    if (!loopback && !options.allow_remote)
        throw RestError("REST listen address " + options.listen +
                        " is not loopback; allow it explicitly (--rest-allow-remote), and keep the token on");
    if (!options.auth && !loopback)
        throw RestError("REST auth can be turned off only on a loopback listener, not on " + options.listen);
    if (options.auth && options.token.empty()) throw RestError("REST auth is on but no token was given");

    AuthPolicy policy{options.auth, !loopback, options.token};
    const size_t max_body = options.max_body_bytes;
    impl_ = std::make_unique<Impl>(std::move(options), herder, catalog, std::move(files));
    auto& server = impl_->server;
    server.set_payload_max_length(max_body);
    // cpp-httplib's default also sets SO_REUSEPORT, with which a second worker would share this
    // port silently; a busy address must be an error.
    server.set_socket_options([](socket_t socket) {
        int yes = 1;
        ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    // Kafka Connect's clients send `PUT .../pause` or `POST .../restart` without a body and often
    // without Content-Length; cpp-httplib 0.11 refuses such a request with 400. A request without
    // either framing header has no body (RFC 9112 6.3), so say so before it reads one.
    server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response&) {
        if (!request.has_header("Content-Length") && !request.has_header("Transfer-Encoding"))
            const_cast<httplib::Request&>(request).set_header("Content-Length", "0");
        return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return;
        if (response.status == 413)
            reply_error(response, 413, "the request body is larger than the limit");
        else if (response.status == 404)
            reply_error(response, 404, "no such resource: " + request.method + " " + request.path);
        else
            reply_error(response, response.status, "HTTP " + std::to_string(response.status));
    });
    server.set_exception_handler([](const httplib::Request& request, httplib::Response& response, std::exception_ptr thrown) {
        std::string message = "unexpected error";
        try {
            std::rethrow_exception(thrown);
        } catch (const std::exception& error) {
            message = error.what();
        } catch (...) {
        }
        log::error("rest") << request.method << " " << request.path << ": " << message;
        reply_error(response, 500, message);
    });

    Router router(server, std::move(policy));
    add_all_routes(router, impl_->context);
    router.finish();  // 405 for a known path called with another method

    int port = listen.port;
    bool bound = port == 0 ? (port = server.bind_to_any_port(listen.host)) > 0 : server.bind_to_port(listen.host, port);
    if (!bound)
        throw RestError("cannot listen on " + listen.host + ":" + std::to_string(listen.port) +
                        " (in use, or not an address of this machine); choose another with --rest-listen");
    address_ = (listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host) + ":" +
               std::to_string(port);
    auto* impl = impl_.get();
    impl->thread = std::thread([impl] {
        impl->server.listen_after_bind();
        impl->finished = true;
    });
    // cpp-httplib's stop() does nothing before the accept loop runs, and the loop would then run
    // for ever: wait for it (a few microseconds), so that stop() always ends it.
    while (!server.is_running() && !impl->finished) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    log::info("rest") << "REST API listening on http://" << address_;
}

RestServer::~RestServer() { stop(); }

void RestServer::started() { *impl_->context.started = true; }

void RestServer::stop() {
    if (!impl_ || !impl_->thread.joinable()) return;
    impl_->server.stop();
    impl_->thread.join();
    log::info("rest") << "REST API on " << address_ << " stopped";
}

void add_all_routes(Router& router, const RouteContext& context) {
    add_root_routes(router, context);
    add_connector_routes(router, context);
    add_connector_plugin_routes(router, context);
    add_admin_routes(router, context);
}

std::string describe_api_markdown() {
    // The routes as a server registers them, on a server that never listens: their handlers are
    // never called, so the herder and catalog behind them are empty ones.
    worker::StandaloneHerder herder(worker::HerderOptions{});
    const auto catalog = plugin_host::PluginCatalog::scan({});
    RouteContext context{herder, catalog, config_store(herder, worker::ConnectorFiles({})), config::process_env(), nullptr,
                         std::make_shared<std::atomic<bool>>(true), {}};
    httplib::Server unused;
    Router router(unused, AuthPolicy{});
    add_all_routes(router, context);

    std::ostringstream out;
    out << "# REST API\n\n"
           "<!-- Generated by `ingest api describe` from the routes the worker registers\n"
           "     (runner/control/*_routes.cpp). Do not edit: regenerate with\n"
           "     `cmake --build <build dir> --target docs`. -->\n\n"
           "The worker serves Kafka Connect's REST API (paths, JSON shapes, status codes) on\n"
           "`--rest-listen` (default 127.0.0.1:8083; its address is written to `<state-dir>/rest`).\n"
           "Errors are `{\"error_code\": <status>, \"message\": ...}`: 400 a bad body or config (every\n"
           "problem named), 401 no or a wrong token, 404 an unknown connector, task, plugin or path,\n"
           "405 a known path with another method, 409 a name taken, 413 a body over 1 MiB, 501 an\n"
           "operation the plugin cannot do. Calls marked *token* need the worker's token\n"
           "(`<state-dir>/token`) as `Authorization: Bearer <token>` or as the password of HTTP Basic\n"
           "auth; on a listener that is not loopback every call needs it. docs/design.md explains the\n"
           "choices behind each family.\n\n"
           "| Method | Path | Token | What it does |\n"
           "|---|---|---|---|\n";
    for (const auto& route : router.docs())
        out << "| " << route.method << " | `" << route.path << "` | " << (route.mutating ? "token" : "")
            << " | " << route.summary << " |\n";
    return out.str();
}

}  // namespace ingest::control
