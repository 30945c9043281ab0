// `ingest`: the runner's command line.
#include "cli/commands/client_commands.hpp"
#include "cli/rest_service.hpp"
#include "cli/signals.hpp"
#include "control/rest_server.hpp"
#include "config/connector_config.hpp"
#include "kafka/client.hpp"
#include "kafka/mock_cluster.hpp"
#include "log/logging.hpp"
#include "metrics/metric_table.hpp"
#include "plugin_host/describe.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "worker/state_file.hpp"
#include "worker/worker.hpp"

#include <algorithm>
#include <CLI/CLI.hpp>
#include <ingest/conformance.hpp>
#include <boost/algorithm/string/predicate.hpp>

#include <fstream>
#include <iostream>
#include <thread>

namespace {

using namespace ingest;

std::vector<std::filesystem::path> plugin_path_or_default(const std::vector<std::string>& given) {
    if (given.empty()) return plugin_host::default_plugin_path();
    return {given.begin(), given.end()};
}

int run_broker(int partitions, const std::vector<std::string>& topics, const std::string& bootstrap_file) {
    cli::StopSignals signals(nullptr);
    kafka::MockCluster cluster;
    for (const auto& topic : topics) cluster.create_topic(topic, partitions);
    std::cout << cluster.bootstrap() << std::endl;
    if (!bootstrap_file.empty()) worker::write_bootstrap_file(bootstrap_file, cluster.bootstrap());
    log::info("broker") << "embedded Kafka broker (mock cluster) listening on " << cluster.bootstrap()
                        << "; in memory only, at most 5 MiB per partition; stop with SIGINT/SIGTERM";
    while (!signals.stop_requested().load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    log::info("broker") << "stopped";
    return 0;
}

// `ingest plugin check`: first the file as the catalog would see it (structure, then a child
// process loads and describes it: a file that would crash or end a process that loads it is
// refused here, never run in this process), then the conformance suite, each rule in a child
// process of its own (harness/, <ingest/conformance.hpp>). Exit 1 when refused or a rule fails.
int check_plugin(const std::string& file, const std::string& config_file, const std::vector<std::string>& only) {
    try {
        const auto d = plugin_host::probe_plugin(file);
        std::cout << "ok: " << d.name << " " << d.version << " (" << plugin_host::kind_name(d.kind) << ", "
                  << d.config_key_count << " config keys, plugin ABI " << d.abi_version << ")\n";
    } catch (const std::exception& error) {
        std::cerr << error.what() << "\n";
        // The first rule of the descriptor it breaks, by name (each runs in a child process: safe
        // even for a file that crashes whoever loads it).
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec)) return 1;
        for (const char* rule : {"abi.version", "abi.struct_sizes", "describe.complete"})
            if (const auto result = conformance::check(file, "", rule); result.outcome == conformance::Outcome::fail) {
                std::cerr << "  " << conformance::describe(result) << "\n";
                break;
            }
        return 1;
    }
    std::string sample;
    if (!config_file.empty()) {
        std::ifstream in(config_file);
        if (!in) {
            std::cerr << "ingest: --config " << config_file << ": cannot be read\n";
            return worker::kBadConfig;
        }
        sample.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::vector<std::string> names = only;
    if (names.empty())
        for (const auto& rule : conformance::rules()) names.push_back(rule.name);
    int counts[3] = {0, 0, 0};
    std::cout << "conformance (" << names.size() << " rules" << (config_file.empty() ? ", no sample config" : "")
              << "):\n";
    for (const auto& name : names) {
        const auto result = conformance::check(file, sample, name);
        ++counts[static_cast<int>(result.outcome)];
        std::cout << "  " << conformance::describe(result) << "\n" << std::flush;
    }
    std::cout << counts[0] << " passed, " << counts[1] << " failed, " << counts[2] << " skipped\n";
    return counts[static_cast<int>(conformance::Outcome::fail)] > 0 ? 1 : 0;
}

int list_plugins(const std::vector<std::filesystem::path>& path) {
    auto catalog = plugin_host::PluginCatalog::scan(path);
    for (const auto& [name, d] : catalog.available())
        std::cout << name << "\t" << plugin_host::kind_name(d.kind) << "\t" << d.version << "\t" << d.file.string()
                  << "\t" << d.description << "\n";
    const auto refused = catalog.refused();
    for (const auto& error : refused) std::cout << "refused\t" << error.what() << "\n";
    return refused.empty() ? 0 : 1;
}

int describe_plugin(const std::vector<std::filesystem::path>& path, const std::string& name, const std::string& format) {
    try {
        auto library = plugin_host::PluginCatalog::scan(path).find(name);
        std::cout << (format == "markdown" ? plugin_host::describe_markdown(library->descriptor())
                                           : plugin_host::describe_json_schema(library->descriptor()));
        return 0;
    } catch (const std::exception& error) {
        std::cerr << error.what() << "\n";
        return 1;
    }
}

// The reference of every metric the worker exports: its own table and each plugin's declared metrics.
int describe_metrics(const std::vector<std::filesystem::path>& path) {
    const auto catalog = plugin_host::PluginCatalog::scan(path);
    std::vector<metrics::PluginMetricDoc> plugin_metrics;
    for (const auto& [name, library] : catalog.plugins())
        for (const auto& metric : library->metrics())
            plugin_metrics.push_back({name, metric.name,
                                      metric.type == INGEST_METRIC_GAUGE ? metrics::Type::gauge : metrics::Type::counter,
                                      metric.help});
    std::cout << metrics::describe_markdown(plugin_metrics);
    return 0;
}

int validate_connectors(const std::vector<std::filesystem::path>& path, const std::vector<std::string>& files) {
    auto catalog = plugin_host::PluginCatalog::scan(path);
    int exit_code = 0;
    for (const auto& file : files) {
        try {
            auto spec = config::read_connector_file(file, config::process_env());
            std::shared_ptr<plugin_host::PluginLibrary> library;
            try {
                library = catalog.find(config::plugin_name_of(spec));
            } catch (const config::ConfigError&) {
                throw;
            } catch (const std::exception& error) {
                throw config::spec_error(spec, {"plugin", error.what()});  // with the file's other problems
            }
            config::validate_connector(spec, library->descriptor());
            std::cout << file << ": ok (" << spec.name << ", plugin " << library->name() << ")\n";
        } catch (const std::exception& error) {
            std::cerr << log::mask_secrets(error.what()) << "\n";
            exit_code = worker::kBadConfig;
        }
    }
    return exit_code;
}

// `--kafka-property KEY=VALUE` on `command`: the worker's own Kafka client properties.
void add_kafka_property_option(CLI::App& command, std::vector<std::string>& assignments) {
    command.add_option("--kafka-property", assignments,
                       "A librdkafka property for every Kafka client of the worker, as KEY=VALUE, e.g. "
                       "security.protocol=ssl, ssl.ca.location=FILE, sasl.* (repeatable; the runner's own "
                       "guarantee properties such as enable.idempotence or group.id are refused)");
}

// Checks and sets the worker's Kafka client properties; false (after saying why) when refused.
// Secret values (passwords, keys) are masked in the log from here on.
bool apply_kafka_properties(const std::vector<std::string>& assignments, const std::string& bootstrap) {
    std::map<std::string, std::string> properties;
    auto problems = config::parse_worker_client_properties(assignments, properties);
    for (const auto& [property, value] : properties)
        if (config::is_secret_client_property(property)) log::add_secret(value);
    // The embedded mock broker speaks plaintext only: a worker that must use TLS or SASL without
    // a cluster to talk to is misconfigured, not something to start and hang.
    if (bootstrap.empty())
        if (auto it = properties.find("security.protocol");
            it != properties.end() && !boost::iequals(it->second, "plaintext"))  // librdkafka ignores case
            problems.push_back({"kafka-property 'security.protocol'",
                                "'" + it->second + "' needs a Kafka cluster given by --bootstrap; the embedded mock "
                                "broker speaks plaintext only"});
    if (problems.empty()) {
        try {
            kafka::set_worker_properties(properties);
        } catch (const kafka::KafkaError& error) {
            problems.push_back({"kafka-property", error.what()});
        }
    }
    for (const auto& problem : problems) log::error("config") << problem.key << ": " << problem.message;
    return problems.empty();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ingest: a Kafka Connect-style ingestion runner"};
    app.require_subcommand(1);
    // Global options may come before or after the subcommand: `ingest run --plugin-path p`.
    app.fallthrough();
    std::string log_level = "info", log_format = "text";
    app.add_option("--log-level", log_level, "trace, debug, info, warn or error")->capture_default_str();
    app.add_option("--log-format", log_format, "text or json (one JSON object per line)")->capture_default_str();
    std::vector<std::string> plugin_path;
    app.add_option("--plugin-path", plugin_path,
                   "Directory with plugin .so files (repeatable; default: $INGEST_PLUGIN_PATH, else the installed plugin directory (<prefix>/lib/ingest/plugins) if it exists, else <exe dir>/../plugins)");
    // The worker config: a TOML file whose keys are the long options' names, those of `ingest run`
    // in its [run] section (ops/worker.example.toml). A flag given on the command line wins over
    // the file, the file over environment variables; an unknown key is an error naming it.
    app.set_config("--worker-config", "",
                   "Worker config file (TOML): option names as keys, `ingest run`'s under [run]");
    app.allow_config_extras(CLI::config_extras_mode::error);

    worker::WorkerOptions options;
    std::string connectors_dir = options.connectors_dir.string(), state_dir = options.state_dir.string();
    auto* run = app.add_subcommand("run", "Run the connectors of a directory until stopped");
    run->add_option("--connectors", connectors_dir, "Directory of connector configs (*.json)")->capture_default_str();
    run->add_option("--bootstrap", options.bootstrap, "Kafka bootstrap servers; none: start the embedded mock broker");
    run->add_option("--state-dir", state_dir, "Where the runner writes its state (e.g. the embedded broker's address)")
        ->capture_default_str();
    run->add_option("--worker-id", options.worker_id,
                    "How statuses name this worker (default: the host name; with --cluster, host name:process id)");
    run->add_option("--cluster", options.cluster,
                    "Join the cluster NAME of workers on --bootstrap: they share its connectors (topics "
                    "ingest-NAME-configs, -status, -slots; group ingest-NAME-workers) instead of reading --connectors")
        ->envname("INGEST_CLUSTER");
    std::string cluster_session_timeout_ms = "10000";
    run->add_option("--cluster-session-timeout-ms", cluster_session_timeout_ms,
                    "With --cluster: how long a silent worker keeps its tasks before they move to the others")
        ->check(CLI::Range(1000, 300000))
        ->capture_default_str();
    run->add_flag("--until-done", options.until_done,
                  "Exit once every source ended and every validator reported (exit 0 only if all passed)");
    cli::RestSettings rest_settings;
    cli::add_rest_options(*run, rest_settings);
    // What connectors (their files, or REST callers) may make the Kafka clients do through
    // `*.override.*` keys beyond ordinary settings: only what the worker's own config allows.
    std::vector<std::string> allowed_client_settings, client_file_dirs;
    run->add_option("--allow-client-setting", allowed_client_settings,
                    "A librdkafka property that runs a program or loads code (sasl.kerberos.kinit.cmd, "
                    "plugin.library.paths, ssl.engine.location, ssl.engine.id, ssl.providers) which connectors may "
                    "set through *.override.* keys (repeatable; default: none)");
    run->add_option("--client-file-dir", client_file_dirs,
                    "A directory under which connectors' *.override.* keys may name files for the Kafka clients "
                    "(ssl.ca.location, ssl.key.location, sasl.kerberos.keytab, ...) (repeatable; default: none)");
    std::vector<std::string> kafka_properties;
    add_kafka_property_option(*run, kafka_properties);
    run->allow_config_extras(CLI::config_extras_mode::error);

    worker::WorkerOptions validate_options;
    std::string validate_connectors_dir = "connectors.d", validate_state_dir = ".run/validate";
    auto* validate = app.add_subcommand(
        "validate", "Run the validator connectors of a directory once against a running pipeline; exit 0 on PASS");
    validate->add_option("--connectors", validate_connectors_dir, "Directory of connector configs (*.json)")
        ->capture_default_str();
    validate->add_option("--bootstrap", validate_options.bootstrap, "Kafka bootstrap servers of the pipeline")
        ->required()
        ->envname("INGEST_BOOTSTRAP");
    validate->add_option("--state-dir", validate_state_dir, "Where the runner writes its state")->capture_default_str();
    std::vector<std::string> validate_kafka_properties;
    add_kafka_property_option(*validate, validate_kafka_properties);

    int partitions = 6;
    std::vector<std::string> topics;
    std::string bootstrap_file;
    auto* broker = app.add_subcommand("broker", "Run the embedded Kafka mock broker alone (for several runners, kcat)");
    broker->add_option("--partitions", partitions, "Partitions of each --topic")->capture_default_str();
    broker->add_option("--topic", topics, "Topic to create (repeatable)");
    broker->add_option("--bootstrap-file", bootstrap_file, "Also write the bootstrap address to this file");

    auto* plugins = app.add_subcommand("plugins", "Inspect the plugins on the plugin path");
    plugins->require_subcommand(1);
    auto* plugins_list = plugins->add_subcommand("list", "List loadable plugins and refused files");
    std::string describe_name, describe_format = "json-schema";
    auto* plugins_describe = plugins->add_subcommand("describe", "Print a plugin's connector config as JSON Schema or Markdown");
    plugins_describe->add_option("name", describe_name, "Plugin name")->required();
    plugins_describe->add_option("--format", describe_format, "json-schema or markdown")
        ->check(CLI::IsMember({"json-schema", "markdown"}))
        ->capture_default_str();

    auto* metrics_command = app.add_subcommand("metrics", "The worker's Prometheus metrics");
    metrics_command->require_subcommand(1);
    auto* metrics_describe = metrics_command->add_subcommand(
        "describe", "Print every metric the worker exports, its own and the plugins', as Markdown");

    auto* api_command = app.add_subcommand("api", "The worker's REST API");
    api_command->require_subcommand(1);
    auto* api_describe = api_command->add_subcommand("describe", "Print every REST endpoint the worker serves, as Markdown");

    std::string check_file;
    auto* plugin = app.add_subcommand("plugin", "Check one plugin file");
    plugin->require_subcommand(1);
    std::string check_config;
    std::vector<std::string> check_rules;
    auto* plugin_check = plugin->add_subcommand(
        "check", "Load a plugin .so, report whether it is usable, and run the conformance suite on it");
    plugin_check->add_option("file", check_file, "Plugin shared object")->required();
    plugin_check->add_option("--config", check_config,
                             "A sample connector config (a connectors.d file, or its config object) the plugin "
                             "starts with; ${env:INGEST_CONFORMANCE_DIR} in it is a fresh directory per rule");
    std::vector<std::string> rule_names;
    for (const auto& rule : conformance::rules()) rule_names.push_back(rule.name);
    plugin_check->add_option("--rule", check_rules, "Run only this rule (repeatable)")
        ->check(CLI::IsMember(rule_names));
    auto* plugin_rules = plugin->add_subcommand("rules", "List the conformance rules and why each exists");

    std::vector<std::string> validate_files;
    auto* connectors = app.add_subcommand("connectors", "Work with connector configs");
    connectors->require_subcommand(1);
    auto* connectors_validate = connectors->add_subcommand("validate", "Validate connector config files against their plugins");
    connectors_validate->add_option("files", validate_files, "Connector config files")->required();
    const cli::ClientCommands client_commands(app, *connectors);

    try {
        app.parse(argc, argv);
        log::init(log::parse_level(log_level), log::parse_format(log_format));
    } catch (const CLI::ConfigError& error) {
        // CLI11 says "INI was not able to parse run.bogus" for an unknown key.
        std::cerr << "ingest: worker config " << app.get_option("--worker-config")->as<std::string>() << ": "
                  << error.what() << " (an unknown key or a bad value: keys are the long options' names, "
                  << "`ingest run`'s under [run]; see ingest run --help)\n";
        return worker::kBadConfig;
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? 0 : worker::kBadConfig;
    } catch (const std::invalid_argument& error) {
        std::cerr << "ingest: " << error.what() << "\n";
        return worker::kBadConfig;
    }

    try {
        auto path = plugin_path_or_default(plugin_path);
        if (*run) {
            options.connectors_dir = connectors_dir;
            options.state_dir = state_dir;
            options.plugin_path = path;
            options.start_service = cli::rest_service(rest_settings, options.state_dir, options.connectors_dir);
            options.cluster_membership["session.timeout.ms"] = cluster_session_timeout_ms;
            // Heartbeats a few times per session, as Kafka Connect's worker does.
            options.cluster_membership["heartbeat.interval.ms"] =
                std::to_string(std::max(500, std::stoi(cluster_session_timeout_ms) / 4));
            config::set_client_override_policy(
                {{allowed_client_settings.begin(), allowed_client_settings.end()},
                 {client_file_dirs.begin(), client_file_dirs.end()}});
            if (!apply_kafka_properties(kafka_properties, options.bootstrap)) return worker::kBadConfig;
            cli::StopSignals signals(&worker::notify_worker);
            return worker::run_worker(options, signals.stop_requested());
        }
        if (*validate) {
            validate_options.connectors_dir = validate_connectors_dir;
            validate_options.state_dir = validate_state_dir;
            validate_options.plugin_path = path;
            validate_options.until_done = true;
            validate_options.only_judges = true;
            if (!apply_kafka_properties(validate_kafka_properties, validate_options.bootstrap)) return worker::kBadConfig;
            cli::StopSignals signals(&worker::notify_worker);
            return worker::run_worker(validate_options, signals.stop_requested());
        }
        if (*broker) return run_broker(partitions, topics, bootstrap_file);
        if (*plugins_list) return list_plugins(path);
        if (*plugins_describe) return describe_plugin(path, describe_name, describe_format);
        if (*metrics_describe) return describe_metrics(path);
        if (*api_describe) {
            std::cout << control::describe_api_markdown();
            return 0;
        }
        if (*plugin_check) return check_plugin(check_file, check_config, check_rules);
        if (*plugin_rules) {
            for (const auto& rule : conformance::rules())
                std::cout << rule.name << "\n    " << rule.reason << "\n";
            return 0;
        }
        if (*connectors_validate) return validate_connectors(path, validate_files);
        if (auto exit_code = client_commands.run()) return *exit_code;
    } catch (const std::exception& error) {
        log::error("ingest") << error.what();
        return worker::kFailed;
    }
    return worker::kBadConfig;
}
