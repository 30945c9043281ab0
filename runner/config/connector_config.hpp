// Connector configs: reading `connectors.d/*.json`, expanding `${env:...}`, and validating them
// against the runner's keys and the plugin's table.
#pragma once

#include "config/config_table.hpp"
#include "config/runner_keys.hpp"

#include <ingest/plugin_abi.h>

#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ingest::config {

// Every problem of one file, reported at once.
class ConfigError : public std::runtime_error {
   public:
    ConfigError(std::string source, std::vector<Problem> problems);
    const std::string& source() const { return source_; }
    const std::vector<Problem>& problems() const { return problems_; }

   private:
    std::string source_;
    std::vector<Problem> problems_;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Expands `${env:NAME}` and `${env:NAME:-default}`; returns the problem when NAME is unset
// without a default or the reference is malformed.
std::optional<std::string> expand_env(const std::string& value, const EnvLookup& env, std::string& out);

// A connector as written in its file: name and raw (env-expanded) config.
struct ConnectorSpec {
    std::string source;  // file path, for messages
    std::string name;
    std::map<std::string, std::string> raw;
};

// Parses the Kafka Connect-style body {"name": ..., "config": {...}}. `fallback_name` is used when
// the body has no name (the file's stem). Throws ConfigError with every problem found.
ConnectorSpec parse_connector(const std::string& text, const std::string& source,
                              const std::string& fallback_name, const EnvLookup& env);
ConnectorSpec read_connector_file(const std::filesystem::path& path, const EnvLookup& env);
// All `*.json` files of a directory, sorted by name; ConfigError aggregates over all files.
std::vector<ConnectorSpec> read_connector_dir(const std::filesystem::path& dir, const EnvLookup& env);

// A connector validated against its plugin: what the worker runs.
struct ConnectorConfig {
    std::string source;
    std::string name;
    ingest_plugin_kind kind = INGEST_KIND_SOURCE;
    RunnerSettings runner;                      // runner keys, defaults filled
    std::map<std::string, std::string> plugin;  // plugin keys, defaults filled: what the task gets
    std::vector<std::string> secrets;           // values of password keys, to mask
    std::map<std::string, std::string> raw;     // every key as given (env-expanded): what REST shows, masked

    std::vector<std::string> topics() const { return split_topics(runner.topics); }  // sinks
    std::string consumer_group() const;
    std::string dead_letter_topic() const;
};

// Checks `spec` against the runner's keys for `kind` and the plugin's table; unknown keys are
// problems too. Throws ConfigError with every problem.
ConnectorConfig validate_connector(const ConnectorSpec& spec, const ingest_plugin& plugin);

// The `plugin` value of a spec, or ConfigError when absent.
std::string plugin_name_of(const ConnectorSpec& spec);

// "line L, column C" (1-based) of a byte offset into `text`: where a JSON syntax error is.
std::string text_position(const std::string& text, size_t offset);

}  // namespace ingest::config
