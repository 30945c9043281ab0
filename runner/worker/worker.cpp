#include "worker/worker.hpp"

#include "config/connector_config.hpp"
#include "kafka/admin.hpp"
#include "kafka/mock_cluster.hpp"
#include "log/logging.hpp"
#include "pipeline/sink_worker.hpp"
#include "pipeline/source_worker.hpp"
#include "pipeline/status_board.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "worker/state_file.hpp"

#include <boost/json.hpp>

#include <map>
#include <set>
#include <thread>

namespace ingest::worker {
namespace {

using pipeline::TaskState;

pipeline::StatusBoard* g_board = nullptr;  // for notify_worker() from the signal thread

struct LoadedConnector {
    config::ConnectorConfig config;
    std::shared_ptr<plugin_host::PluginLibrary> library;
};

// Every connector validated against its plugin; all problems of all files reported together.
std::vector<LoadedConnector> load_connectors(const WorkerOptions& options,
                                             const plugin_host::PluginCatalog& catalog) {
    auto specs = config::read_connector_dir(options.connectors_dir, config::process_env());
    std::vector<LoadedConnector> loaded;
    std::vector<config::Problem> problems;
    for (const auto& spec : specs) {
        try {
            auto library = catalog.find(config::plugin_name_of(spec));
            loaded.push_back({config::validate_connector(spec, library->descriptor()), library});
        } catch (const config::ConfigError& error) {
            for (const auto& p : error.problems())
                problems.push_back({"", error.source() + ": " + (p.key.empty() ? "" : "key '" + p.key + "': ") + p.message});
        } catch (const std::exception& error) {
            problems.push_back({"", spec.source + ": key 'plugin': " + error.what()});
        }
    }
    if (!problems.empty()) throw config::ConfigError(options.connectors_dir.string(), problems);
    if (options.only_judges)
        std::erase_if(loaded, [](const LoadedConnector& c) {
            return c.config.kind != INGEST_KIND_SINK || !c.library->descriptor().sink->reports_verdict;
        });
    if (loaded.empty())
        throw config::ConfigError(options.connectors_dir.string(),
                                  {{"", options.only_judges ? "contains no connector whose plugin reports a verdict"
                                                            : "contains no connector (*.json)"}});
    return loaded;
}

std::vector<kafka::TopicSpec> topics_needed(const std::vector<LoadedConnector>& connectors) {
    std::map<std::string, int> topics;
    for (const auto& c : connectors) {
        int partitions = static_cast<int>(c.config.runner_int("topic.partitions"));
        if (c.config.kind == INGEST_KIND_SOURCE) {
            topics.emplace(c.config.runner.at("topic"), partitions);
        } else {
            for (const auto& topic : c.config.topics()) topics.emplace(topic, partitions);
            topics.emplace(c.config.dead_letter_topic(), partitions);
        }
    }
    std::vector<kafka::TopicSpec> result;
    for (const auto& [name, partitions] : topics) result.push_back({name, partitions});
    return result;
}

// Done when every task got going, every source ended and every judging task gave its verdict.
bool work_done(const std::vector<pipeline::TaskStatus>& tasks) {
    for (const auto& t : tasks) {
        if (t.state == TaskState::starting) return false;
        if (t.is_source && t.state != TaskState::finished) return false;
        if (t.reports_verdict && !t.verdict) return false;
    }
    return true;
}

// `<state-dir>/status.json`, rewritten on every change: Kafka Connect's status shape per connector
// (plus the verdict), for operators and scripts until the REST API serves it.
void write_status_file(const std::filesystem::path& file, const std::vector<pipeline::TaskStatus>& tasks) {
    std::map<std::string, boost::json::array> by_connector;
    for (const auto& t : tasks) {
        boost::json::object task{{"id", t.task}, {"state", pipeline::state_name(t.state)}};
        if (!t.message.empty()) task["trace"] = t.message;
        if (t.verdict) task["verdict"] = boost::json::object{{"passed", *t.verdict}, {"summary", t.verdict_summary}};
        by_connector[t.connector].push_back(std::move(task));
    }
    boost::json::array connectors;
    for (auto& [name, task_list] : by_connector) {
        // The connector is as healthy as its least healthy task.
        std::string state = "RUNNING";
        for (const auto& task : task_list) {
            std::string task_state(task.as_object().at("state").as_string());
            if (task_state == "FAILED") state = "FAILED";
            else if (state != "FAILED" && task_state != "RUNNING") state = task_state;
        }
        connectors.push_back(boost::json::object{
            {"name", name}, {"connector", boost::json::object{{"state", state}}}, {"tasks", std::move(task_list)}});
    }
    write_state_file(file, boost::json::serialize(connectors) + "\n");
}

void print_summary(const std::vector<pipeline::TaskStatus>& tasks) {
    for (const auto& t : tasks) {
        auto line = log::info("worker");
        line << "connector " << t.connector << " task " << t.task << ": " << pipeline::state_name(t.state);
        if (!t.message.empty()) line << " (" << t.message << ")";
        if (t.verdict) line << "; verdict " << (*t.verdict ? "PASS" : "FAIL") << ": " << t.verdict_summary;
    }
}

}  // namespace

void notify_worker() {
    if (g_board) g_board->notify();
}

int run_worker(const WorkerOptions& options, std::atomic<bool>& stop) {
    auto catalog = plugin_host::PluginCatalog::scan(
        options.plugin_path.empty() ? plugin_host::default_plugin_path() : options.plugin_path);
    std::vector<LoadedConnector> connectors;
    try {
        connectors = load_connectors(options, catalog);
    } catch (const config::ConfigError& error) {
        for (const auto& problem : error.problems())
            log::error("config") << (problem.key.empty() ? "" : "key '" + problem.key + "': ") << problem.message;
        log::error("worker") << error.problems().size() << " problem" << (error.problems().size() == 1 ? "" : "s")
                             << " in " << error.source() << "; nothing was started";
        return kBadConfig;
    }
    for (const auto& c : connectors)
        for (const auto& secret : c.config.secrets) log::add_secret(secret);

    std::filesystem::create_directories(options.state_dir);
    std::unique_ptr<kafka::MockCluster> mock;
    std::string bootstrap = options.bootstrap;
    try {
        if (bootstrap.empty()) {
            mock = std::make_unique<kafka::MockCluster>();
            bootstrap = mock->bootstrap();
            for (const auto& topic : topics_needed(connectors)) mock->create_topic(topic.name, topic.partitions);
            auto file = options.state_dir / "bootstrap";
            write_bootstrap_file(file, bootstrap);
            log::info("worker") << "embedded Kafka broker (mock cluster) listening on " << bootstrap
                                << " (also in " << file.string() << ")";
        } else {
            kafka::ensure_topics(bootstrap, topics_needed(connectors));
        }
    } catch (const std::exception& error) {
        log::error("worker") << "Kafka at " << (bootstrap.empty() ? "embedded broker" : bootstrap) << ": " << error.what();
        return kFailed;
    }

    pipeline::StatusBoard board;
    g_board = &board;
    std::atomic<bool> stop_tasks{false};
    std::vector<std::thread> threads;
    for (const auto& c : connectors) {
        const bool is_source = c.config.kind == INGEST_KIND_SOURCE;
        const bool judges = !is_source && c.library->descriptor().sink->reports_verdict;
        int tasks = static_cast<int>(c.config.runner_int("tasks.max"));
        log::info("worker") << "starting connector " << c.config.name << " (" << c.library->name() << " "
                            << c.library->descriptor().version << ", " << tasks << " task" << (tasks > 1 ? "s" : "")
                            << ") from " << c.config.source;
        for (int id = 0; id < tasks; ++id) {
            board.add({c.config.name, id, is_source, judges, TaskState::starting, {}, std::nullopt, {}});
            auto* body = is_source ? &pipeline::run_source_task : &pipeline::run_sink_task;
            threads.emplace_back(body, pipeline::TaskSettings{c.config, c.library, id, bootstrap}, std::ref(board),
                                 std::cref(stop_tasks));
        }
    }

    const auto status_file = options.state_dir / "status.json";
    int exit_code = kOk;
    while (true) {
        auto tasks = board.snapshot();
        write_status_file(status_file, tasks);
        if (stop.load()) {
            log::info("worker") << "stop requested; stopping " << tasks.size() << " tasks";
            if (options.until_done) {
                // Stopped before the work was done: success would claim a verdict nobody gave.
                log::error("worker") << "interrupted before the work was done (--until-done)";
                exit_code = kFailed;
            }
            break;
        }
        if (options.until_done) {
            bool failed = std::any_of(tasks.begin(), tasks.end(), [](const auto& t) { return t.state == TaskState::failed; });
            if (failed) {
                log::error("worker") << "a task failed; stopping (--until-done)";
                exit_code = kFailed;
                break;
            }
            if (work_done(tasks)) {
                log::info("worker") << "all sources ended and all verdicts are in; stopping (--until-done)";
                break;
            }
        }
        board.wait_for_change(std::chrono::milliseconds(500));
    }
    stop_tasks = true;
    for (auto& thread : threads) thread.join();
    g_board = nullptr;

    auto tasks = board.snapshot();
    write_status_file(status_file, tasks);
    print_summary(tasks);
    for (const auto& t : tasks) {
        if (t.verdict && !*t.verdict) exit_code = kFailed;
        if (options.until_done && t.state == TaskState::failed) exit_code = kFailed;
    }
    return exit_code;
}

}  // namespace ingest::worker
