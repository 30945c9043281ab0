// The worker's REST API: a compatible subset of Kafka Connect's (paths, JSON shapes, status codes,
// `{"error_code", "message"}` errors) on cpp-httplib, served on its own threads until stopped.
// Routes live in one file per resource family (root_routes, connector_routes,
// connector_plugin_routes); everything they do goes through the herder or connectors.d/.
#pragma once

#include "config/connector_config.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "worker/connector_files.hpp"
#include "worker/herder.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace ingest::control {

struct RestOptions {
    // HOST:PORT ([v6]:PORT for IPv6); port 0 picks a free port (address() tells which).
    std::string listen = "127.0.0.1:8083";
    // A listener that is not loopback must be allowed explicitly, and then needs the token even
    // for reads.
    bool allow_remote = false;
    // Mutating calls need `token`; false (loopback listeners only) turns the check off.
    bool auth = true;
    std::string token;  // see load_or_create_token (auth.hpp)
    size_t max_body_bytes = 1 << 20;  // larger bodies get 413
    config::EnvLookup env = config::process_env();
    // GET /metrics (Prometheus text) and GET /worker/metrics (the same families as JSON); unset:
    // both 404. `ingest run` gives the worker's registry, metrics::process_metrics().
    std::shared_ptr<const metrics::Metrics> metrics;
    // GET /health answers 503 "starting" until started() (KIP-1017); false: healthy at once.
    bool starting = false;
    // Records the target state of a connector created with `initial_state` PAUSED or STOPPED
    // before its file is written (the worker's target-state store). Unset: only RUNNING.
    std::function<void(const std::string&, worker::TargetState)> record_initial_state;
};

// Bad options or an address that cannot be bound; the message names the address.
class RestError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

struct ListenAddress {
    std::string host;
    int port = 0;
};
// Parses HOST:PORT or [V6]:PORT; throws RestError.
ListenAddress parse_listen_address(const std::string& text);
// 127.0.0.0/8, ::1 or localhost.
bool is_loopback(const std::string& host);

// The API's reference in Markdown (docs/rest-api.md): every route a server registers, with its
// method, path, whether it needs the token, and what it does.
std::string describe_api_markdown();

class RestServer {
   public:
    // Binds and starts serving; throws RestError. `herder` and `catalog` must outlive the server.
    RestServer(RestOptions options, worker::Herder& herder, const plugin_host::PluginCatalog& catalog,
               worker::ConnectorFiles files);
    ~RestServer();  // stop()
    RestServer(const RestServer&) = delete;
    RestServer& operator=(const RestServer&) = delete;

    // HOST:PORT it listens on, the real port when 0 was asked for.
    const std::string& address() const { return address_; }
    // The worker finished starting up: GET /health turns healthy.
    void started();
    // Stops accepting, finishes the calls in progress and joins the server thread. Idempotent.
    void stop();

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string address_;
};

}  // namespace ingest::control
