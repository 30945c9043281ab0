// Connector configs: reading `connectors.d/*.json`, expanding `${env:...}`, and validating them
// against the runner's keys and the plugin's table.
#pragma once

#include "config/client_overrides.hpp"
#include "config/config_table.hpp"
#include "config/runner_keys.hpp"
#include "config/topic_creation.hpp"

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
// without a default, the reference is malformed, or the result would exceed kMaxConfigValueBytes.
std::optional<std::string> expand_env(const std::string& value, const EnvLookup& env, std::string& out);

// The largest connector config file (or body) read: as the REST API's body limit.
inline constexpr size_t kMaxConnectorFileBytes = 1024 * 1024;

// A connector as written in its file: name and raw (env-expanded) config.
struct ConnectorSpec {
    std::string source;  // file path, for messages
    std::string name;
    std::map<std::string, std::string> raw;
    // Keys that were written but could not be read (a JSON type that is no config value, a
    // repeated key, a ${env:...} that cannot be expanded, ...): validate_connector reports them
    // together with everything its checks find, so that no problem hides another.
    std::vector<Problem> problems;
};

// A connector given as its config values as written (REST, cluster mode's config topic), each
// `${env:...}` expanded; a value that cannot be is left out of `raw` with its problem kept.
ConnectorSpec spec_of(const std::string& name, const std::map<std::string, std::string>& values,
                      const std::string& source, const EnvLookup& env);

// Parses the Kafka Connect-style body {"name": ..., "config": {...}}. `fallback_name` is used when
// the body has no name (the file's stem). A key whose value cannot be read is left out of `raw`
// and its problem kept in `problems`. Throws ConfigError, with every problem found, only when
// the body is no connector at all: not JSON, not an object, no "config" object, a repeated
// top-level field, or a name that is not a string or not a valid connector name.
ConnectorSpec parse_connector(const std::string& text, const std::string& source,
                              const std::string& fallback_name, const EnvLookup& env);
// The same for a file; a file over kMaxConnectorFileBytes is refused unread.
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
    std::vector<std::string> secrets;           // values of password keys (and secret client overrides), to mask
    std::map<std::string, std::string> raw;     // every key as given (env-expanded): what REST shows, masked
    ClientOverrides client_overrides;           // `*.override.*` keys that the worker's policy allowed
    // Sources: topic.creation.default.<topic config> keys, topic config name → value, for the topic
    // the runner creates (config/topic_creation.hpp).
    std::map<std::string, std::string> topic_configs;

    std::vector<std::string> topics() const { return split_topics(runner.topics); }  // sinks
    std::string consumer_group() const;
    std::string dead_letter_topic() const;
    // Sources: the partitions of the topic the runner creates (topic.creation.default.partitions,
    // or topic.partitions when that is -1).
    int created_topic_partitions() const;
};

// Checks `spec` against the runner's keys for `kind` and the plugin's table, and its client
// overrides against client_override_policy(); unknown keys are problems too, and so are the
// spec's own problems. Throws ConfigError with every problem.
ConnectorConfig validate_connector(const ConnectorSpec& spec, const ingest_plugin& plugin);

// The `plugin` value of a spec, or ConfigError (with the spec's own problems) when absent.
std::string plugin_name_of(const ConnectorSpec& spec);

// The error for a spec that cannot be validated because of `problem` (e.g. its plugin cannot be
// found): `problem` with the spec's own problems, so that none of them is hidden.
ConfigError spec_error(const ConnectorSpec& spec, Problem problem);

// "line L, column C" (1-based) of a byte offset into `text`: where a JSON syntax error is.
std::string text_position(const std::string& text, size_t offset);

}  // namespace ingest::config
