#include "worker/worker.hpp"

#include "cluster/distributed_herder.hpp"
#include "config/connector_config.hpp"
#include "kafka/admin.hpp"
#include "kafka/mock_cluster.hpp"
#include "log/logging.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "worker/config_watcher.hpp"
#include "worker/standalone_herder.hpp"
#include "worker/state_file.hpp"
#include "worker/status_model.hpp"

#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <map>
#include <mutex>

namespace ingest::worker {
namespace {

// notify_worker() runs on the signal thread; the herder it wakes lives in run_worker().
std::mutex g_herder_mutex;
Herder* g_herder = nullptr;

struct HerderRegistration {
    explicit HerderRegistration(Herder& herder) {
        std::lock_guard lock(g_herder_mutex);
        g_herder = &herder;
    }
    ~HerderRegistration() {
        std::lock_guard lock(g_herder_mutex);
        g_herder = nullptr;
    }
};

// One connector validated against its plugin; its secrets are masked in the log from now on. The
// catalog loads the plugin into this process now, if no connector did before: only plugins that
// connectors name are ever loaded here.
ConnectorDefinition resolve_connector(const config::ConnectorSpec& spec, const plugin_host::PluginCatalog& catalog) {
    std::shared_ptr<plugin_host::PluginLibrary> library;
    try {
        library = catalog.find(config::plugin_name_of(spec));
    } catch (const config::ConfigError&) {
        throw;
    } catch (const std::exception& error) {
        // Not found, ambiguous or refused: reported with the file's other problems.
        throw config::spec_error(spec, {"plugin", error.what()});
    }
    ConnectorDefinition definition{config::validate_connector(spec, library->descriptor()), library};
    for (const auto& secret : definition.config.secrets) log::add_secret(secret);
    return definition;
}

// Every connector validated against its plugin; all problems of all files reported together.
// A directory that does not exist is refused (a typo in --connectors must not look like a worker
// with nothing to do); an empty one is a worker waiting for connectors (files or REST), except for
// a batch (--until-done, `ingest validate`), which would otherwise succeed at doing nothing.
std::vector<ConnectorDefinition> load_connectors(const WorkerOptions& options,
                                                 const plugin_host::PluginCatalog& catalog) {
    const auto& dir = options.connectors_dir;
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec))
        throw config::ConfigError(dir.string(), {{"", "the connectors directory " + dir.string() +
                                                          " does not exist; create it (it may be empty) or give "
                                                          "--connectors DIR"}});
    if (!std::filesystem::is_directory(dir, ec))
        throw config::ConfigError(dir.string(), {{"", dir.string() + " is not a directory (--connectors names "
                                                                     "the directory of connector files)"}});
    auto specs = config::read_connector_dir(dir, config::process_env());
    std::vector<ConnectorDefinition> loaded;
    std::vector<config::Problem> problems;
    for (const auto& spec : specs) {
        try {
            loaded.push_back(resolve_connector(spec, catalog));
        } catch (const config::ConfigError& error) {
            for (const auto& p : error.problems())
                problems.push_back({"", error.source() + ": " + (p.key.empty() ? "" : "key '" + p.key + "': ") + p.message});
        } catch (const std::exception& error) {
            problems.push_back({"", spec.source + ": key 'plugin': " + error.what()});
        }
    }
    if (!problems.empty()) throw config::ConfigError(options.connectors_dir.string(), problems);
    if (options.only_judges)
        std::erase_if(loaded, [](const ConnectorDefinition& c) {
            return c.config.kind != INGEST_KIND_SINK || !c.library->descriptor().sink->reports_verdict;
        });
    if (loaded.empty() && (options.until_done || options.only_judges))
        throw config::ConfigError(dir.string(),
                                  {{"", dir.string() + (options.only_judges
                                                            ? " contains no connector whose plugin reports a verdict"
                                                            : " contains no connector (*.json), and --until-done has "
                                                              "nothing to wait for")}});
    return loaded;
}

// The topics the connectors name. A source's topic is created with its topic.creation.default.*
// settings, also when a sink reads it: the source's spec wins over a sink's plain one.
std::vector<kafka::TopicSpec> topics_needed(const std::vector<const config::ConnectorConfig*>& connectors) {
    std::map<std::string, kafka::TopicSpec> topics;
    for (const auto* c : connectors) {
        if (c->kind == INGEST_KIND_SOURCE) {
            topics.insert_or_assign(c->runner.topic,
                                    kafka::TopicSpec{c->runner.topic, c->created_topic_partitions(),
                                                     c->runner.topic_creation_replication_factor, c->topic_configs});
        } else {
            const int partitions = c->runner.topic_partitions;
            for (const auto& topic : c->topics()) topics.emplace(topic, kafka::TopicSpec{topic, partitions});
            const auto dlq = c->dead_letter_topic();
            topics.emplace(dlq, kafka::TopicSpec{dlq, partitions});
        }
    }
    std::vector<kafka::TopicSpec> result;
    for (auto& [name, spec] : topics) result.push_back(std::move(spec));
    return result;
}

// librdkafka's mock cluster creates topics with a partition count only: it has no topic configs
// (no compaction, its own fixed retention, see docs/design.md).
void note_ignored_topic_configs(const kafka::TopicSpec& topic) {
    if (topic.configs.empty()) return;
    std::string settings;
    for (const auto& [name, value] : topic.configs) settings += (settings.empty() ? "" : ", ") + name + "=" + value;
    log::warn("worker") << "the embedded broker (mock cluster) has no topic configs: topic '" << topic.name
                        << "' is created without " << settings << " (topic.creation.default.*)";
}

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0 || !name[0]) return "localhost";
    return name;
}

// `<state-dir>/status.json`: every connector's status as Kafka Connect's REST API shows it, for
// operators and scripts.
void write_status_file(const std::filesystem::path& file, const Herder& herder) {
    write_state_file(file, boost::json::serialize(to_json(herder.statuses(), herder.worker_id())) + "\n");
}

void print_summary(const std::vector<ConnectorStatus>& statuses) {
    for (const auto& connector : statuses) {
        if (connector.tasks.empty())
            log::info("worker") << "connector " << connector.name << ": " << state_name(connector.state)
                                << (connector.trace.empty() ? "" : " (" + connector.trace + ")");
        for (const auto& task : connector.tasks) log::info("worker") << describe(connector, task);
    }
}

// Runs `herder` until `stop` (or, with until_done, until the work is done): the service beside it
// (REST), `apply_connectors` once the service is up, the config watcher of a standalone worker,
// the status file, and the summary at the end. Returns an ExitCode.
int serve(Herder& herder, const WorkerOptions& options, const plugin_host::PluginCatalog& catalog,
          std::atomic<bool>& stop, const std::function<void()>& apply_connectors) {
    HerderRegistration registration(herder);
    std::unique_ptr<WorkerService> service;
    if (options.start_service) {
        try {
            service = options.start_service(herder, catalog);
        } catch (const std::exception& error) {
            log::error("worker") << error.what() << "; nothing was started";
            return kBadConfig;
        }
    }
    apply_connectors();
    if (service) service->started();

    // A run --until-done is a batch over a fixed set of connectors: nothing to watch.
    std::unique_ptr<ConfigWatcher> watcher;
    if (!options.until_done && options.cluster.empty()) {
        try {
            watcher = std::make_unique<ConfigWatcher>(
                herder, [&](const config::ConnectorSpec& spec) { return resolve_connector(spec, catalog); },
                ConfigWatcherOptions{options.connectors_dir});
        } catch (const std::exception& error) {
            log::error("worker") << error.what() << "; connector files are not reloaded while this worker runs";
        }
    }

    const auto status_file = options.state_dir / "status.json";
    int exit_code = kOk;
    uint64_t seen = herder.version();
    while (true) {
        write_status_file(status_file, herder);
        if (stop.load()) {
            log::info("worker") << "stop requested; stopping " << herder.connectors().size() << " connectors";
            if (options.until_done) {
                // Stopped before the work was done: success would claim a verdict nobody gave.
                log::error("worker") << "interrupted before the work was done (--until-done)";
                exit_code = kFailed;
            }
            break;
        }
        if (options.until_done) {
            auto statuses = herder.statuses();
            if (any_failed(statuses)) {
                log::error("worker") << "a task failed; stopping (--until-done)";
                exit_code = kFailed;
                break;
            }
            if (work_done(statuses)) {
                log::info("worker") << "all sources ended and all verdicts are in; stopping (--until-done)";
                break;
            }
        }
        seen = herder.wait_for_change(seen, std::chrono::milliseconds(500));
    }
    if (watcher) watcher->stop();  // no change is applied while everything stops
    service.reset();  // the REST API answers only while the herder runs
    herder.shutdown();

    write_status_file(status_file, herder);
    auto statuses = herder.statuses();
    print_summary(statuses);
    // As the README says: a task left FAILED (its automatic restarts used up, or still pending) is
    // a failed run, also when an operator's signal ended it. A cluster's worker shows the
    // cluster's tasks, which run on after it left: like a Kafka Connect worker in distributed
    // mode, it exits 0 from a clean stop.
    if (options.cluster.empty() && (any_verdict_failed(statuses) || any_failed(statuses))) exit_code = kFailed;
    return exit_code;
}

// `ingest run --cluster NAME`: the connectors are the cluster's (its config topic), the tasks this
// worker's share of them.
int run_cluster_worker(const WorkerOptions& options, const plugin_host::PluginCatalog& catalog,
                       std::atomic<bool>& stop) {
    if (options.bootstrap.empty()) {
        log::error("worker") << "--cluster needs --bootstrap: the workers of a cluster meet on a Kafka cluster, "
                                "not on an embedded broker";
        return kBadConfig;
    }
    if (options.until_done || options.only_judges) {
        log::error("worker") << "--until-done runs a fixed set of connectors; a cluster's connectors are changed "
                                "through its REST API (ingest connectors apply)";
        return kBadConfig;
    }
    std::filesystem::create_directories(options.state_dir);
    // Two workers of one cluster on one host must not share a name.
    const std::string worker_id =
        options.worker_id.empty() ? host_name() + ":" + std::to_string(getpid()) : options.worker_id;
    const std::string bootstrap = options.bootstrap;
    std::unique_ptr<cluster::DistributedHerder> herder;
    try {
        herder = std::make_unique<cluster::DistributedHerder>(cluster::ClusterOptions{
            options.cluster, bootstrap, worker_id,
            [bootstrap](const config::ConnectorConfig& config) {
                kafka::ensure_topics(bootstrap, topics_needed({&config}), config.client_overrides.admin);
            },
            [&catalog](const std::string& name, const ConfigStore::Values& values) {
                return resolve_connector(config::spec_of(name, values, "connector '" + name + "'", config::process_env()),
                                         catalog);
            },
            options.cluster_membership});
    } catch (const std::exception& error) {
        log::error("worker") << "cannot join cluster " << options.cluster << " at " << bootstrap << ": " << error.what();
        return kFailed;
    }
    return serve(*herder, options, catalog, stop, [] {});
}

}  // namespace

void notify_worker() {
    std::lock_guard lock(g_herder_mutex);
    if (g_herder) g_herder->notify();
}

int run_worker(const WorkerOptions& options, std::atomic<bool>& stop) {
    auto catalog = plugin_host::PluginCatalog::scan(
        options.plugin_path.empty() ? plugin_host::default_plugin_path() : options.plugin_path);
    if (!options.cluster.empty()) return run_cluster_worker(options, catalog, stop);
    std::vector<ConnectorDefinition> connectors;
    try {
        connectors = load_connectors(options, catalog);
    } catch (const config::ConfigError& error) {
        for (const auto& problem : error.problems())
            log::error("config") << (problem.key.empty() ? "" : "key '" + problem.key + "': ") << problem.message;
        log::error("worker") << error.problems().size() << " problem" << (error.problems().size() == 1 ? "" : "s")
                             << " in " << error.source() << "; nothing was started";
        return kBadConfig;
    }
    std::vector<const config::ConnectorConfig*> configs;
    for (const auto& c : connectors) configs.push_back(&c.config);
    // Sources first: the topic a source writes is created with its topic.creation.default.*
    // settings, not by a sink that reads it and happens to come first.
    std::stable_partition(configs.begin(), configs.end(),
                          [](const config::ConnectorConfig* c) { return c->kind == INGEST_KIND_SOURCE; });

    std::filesystem::create_directories(options.state_dir);
    std::unique_ptr<kafka::MockCluster> mock;
    std::string bootstrap = options.bootstrap;
    try {
        if (bootstrap.empty()) {
            mock = std::make_unique<kafka::MockCluster>();
            bootstrap = mock->bootstrap();
            for (const auto& topic : topics_needed(configs)) {
                note_ignored_topic_configs(topic);
                mock->create_topic(topic.name, topic.partitions);
            }
            auto file = options.state_dir / "bootstrap";
            write_bootstrap_file(file, bootstrap);
            log::info("worker") << "embedded Kafka broker (mock cluster) listening on " << bootstrap
                                << " (also in " << file.string() << ")";
        } else {
            // Each connector's topics with its own admin client: its admin.override.* properties
            // (credentials, say) may be what the cluster needs.
            for (const auto* config : configs)
                kafka::ensure_topics(bootstrap, topics_needed({config}), config->client_overrides.admin);
        }
    } catch (const std::exception& error) {
        log::error("worker") << "Kafka at " << (bootstrap.empty() ? "embedded broker" : bootstrap) << ": " << error.what();
        return kFailed;
    }

    // Connectors added later (hot reload, REST) find their topics too.
    auto prepare = [&](const config::ConnectorConfig& config) {
        const auto topics = topics_needed({&config});
        if (mock)
            for (const auto& topic : topics) {
                note_ignored_topic_configs(topic);
                mock->create_topic(topic.name, topic.partitions);
            }
        else
            kafka::ensure_topics(bootstrap, topics, config.client_overrides.admin);
    };
    StandaloneHerder herder({bootstrap, options.worker_id.empty() ? host_name() : options.worker_id, prepare,
                             options.state_dir / "target-states.json"});
    return serve(herder, options, catalog, stop, [&] {
        if (connectors.empty())
            log::info("worker") << "no connectors in " << options.connectors_dir.string()
                                << "; waiting for connector files there"
                                << (options.start_service ? " or for the REST API (POST /connectors)" : "");
        for (auto& c : connectors) herder.apply(std::move(c));
        // `ingest validate` runs a subset of the files: the others' saved states are not stale.
        if (!options.only_judges) herder.forget_other_target_states();
    });
}

}  // namespace ingest::worker
