// What the route families share, and one function per family that registers its routes
// (root_routes.cpp, connector_routes.cpp, connector_plugin_routes.cpp).
#pragma once

#include "config/connector_config.hpp"
#include "control/router.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "worker/config_store.hpp"
#include "worker/herder.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace ingest::control {

struct RouteContext {
    worker::Herder& herder;
    const plugin_host::PluginCatalog& catalog;
    // Create, update and delete write here (connectors.d/ files, or a cluster's config topic); the
    // herder applies what was written.
    std::shared_ptr<worker::ConfigStore> store;
    config::EnvLookup env;         // `${env:...}` in configs being validated
    std::shared_ptr<const metrics::Metrics> metrics;  // GET /metrics, GET /worker/metrics; unset: 404
    std::shared_ptr<std::atomic<bool>> started;  // GET /health: false while the worker starts up
    // Records the target state a connector created with `initial_state` starts in, before its file
    // is written. Unset: only RUNNING is accepted.
    std::function<void(const std::string&, worker::TargetState)> record_initial_state;
};

void add_root_routes(Router& router, const RouteContext& context);
void add_connector_routes(Router& router, const RouteContext& context);  // and the offsets routes:
void add_offsets_routes(Router& router, const RouteContext& context);
void add_connector_plugin_routes(Router& router, const RouteContext& context);
void add_admin_routes(Router& router, const RouteContext& context);

// Every family above, in the order the API's reference lists them.
void add_all_routes(Router& router, const RouteContext& context);

}  // namespace ingest::control
