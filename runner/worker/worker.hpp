// The worker: loads plugins and connector configs, brings up the broker connection (or the
// embedded mock), hands every connector to the herder, and waits for shutdown or for the work to
// be done.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ingest::plugin_host {
class PluginCatalog;
}

namespace ingest::worker {

class Herder;

// Something that runs beside the herder while the worker runs (the REST API). cli/ starts it
// through WorkerOptions::start_service, so worker/ never depends on control/.
class WorkerService {
   public:
    virtual ~WorkerService() = default;
    // The connectors present at start are applied (KIP-1017: the worker is no longer starting).
    virtual void started() {}
};

struct WorkerOptions {
    std::filesystem::path connectors_dir = "connectors.d";
    std::vector<std::filesystem::path> plugin_path;  // empty: the default plugin path
    std::string bootstrap;                           // empty: start the embedded mock cluster
    std::filesystem::path state_dir = ".run";
    bool until_done = false;
    // Run only the connectors whose plugin reports a verdict (validators): `ingest validate`.
    bool only_judges = false;
    // How statuses name this worker; empty: the host name (in a cluster: host name:process id).
    std::string worker_id;
    // Cluster mode (`--cluster NAME`, cluster/distributed_herder.hpp): the connectors are the
    // cluster's, kept in its config topic on `bootstrap`; connectors_dir is not read. Empty:
    // standalone.
    std::string cluster;
    // The cluster membership's client properties (session.timeout.ms).
    std::map<std::string, std::string> cluster_membership;
    // Called once the herder exists, before any connector is applied; what it returns is
    // destroyed before the herder shuts down. A std::exception it throws (e.g. a busy REST
    // address) is logged and run_worker returns kBadConfig with nothing started.
    std::function<std::unique_ptr<WorkerService>(Herder&, const plugin_host::PluginCatalog&)> start_service;
};

// Exit codes of `ingest run`.
enum ExitCode { kOk = 0, kFailed = 1, kBadConfig = 2 };

// Runs until `stop` is set (or, with until_done, until the work is done). Returns an ExitCode.
int run_worker(const WorkerOptions& options, std::atomic<bool>& stop);

// Wakes run_worker after `stop` was set from a signal thread.
void notify_worker();

}  // namespace ingest::worker
