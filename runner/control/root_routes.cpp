// GET / (the worker's version and commit), GET /health (KIP-1017), GET /metrics (Prometheus text)
// and GET /worker/metrics (the same registry as JSON: this product's extension, not Kafka Connect's,
// for clients such as `ingest status --watch` that want values without parsing the text format).
#include "control/api_error.hpp"
#include "control/routes.hpp"

#include <boost/json.hpp>

#ifndef INGEST_VERSION
#define INGEST_VERSION "unknown"
#endif
#ifndef INGEST_COMMIT
#define INGEST_COMMIT "unknown"
#endif

namespace ingest::control {

void add_root_routes(Router& router, const RouteContext& context) {
    router.get("/", "The worker's version and the commit it was built from",
        [](const httplib::Request&, httplib::Response& response) {
        reply(response, 200, boost::json::object{{"version", INGEST_VERSION}, {"commit", INGEST_COMMIT}});
    });
    // KIP-1017. The server answers only while the herder runs (run_worker starts it after the
    // herder and stops it before the herder shuts down); until the connectors present at start
    // are applied, the worker is starting.
    router.get("/health", "503 `starting` until the connectors present at start are applied, then 200 `healthy` (KIP-1017)",
        [started = context.started](const httplib::Request&, httplib::Response& response) {
        if (!*started)
            reply(response, 503, boost::json::object{{"status", "starting"}, {"message", "Worker is still starting up."}});
        else
            reply(response, 200,
                  boost::json::object{{"status", "healthy"},
                                      {"message", "Worker has completed startup and is ready to handle requests."}});
    });
    router.get("/metrics", "Every metric in Prometheus' text format (docs/metrics.md)",
        [metrics = context.metrics](const httplib::Request&, httplib::Response& response) {
        if (!metrics) throw ApiError(404, "this worker exports no metrics");
        response.status = 200;
        response.set_content(metrics->text(), "text/plain; version=0.0.4; charset=utf-8");
    });
    router.get("/worker/metrics", "The same metrics as JSON (this product's extension, used by `ingest status --watch`)",
        [metrics = context.metrics](const httplib::Request&, httplib::Response& response) {
        if (!metrics) throw ApiError(404, "this worker exports no metrics");
        reply(response, 200, metrics->json());
    });
}

}  // namespace ingest::control
