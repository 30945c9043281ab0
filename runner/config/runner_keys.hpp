// The connector keys the runner itself handles (never passed to plugins), each declared once,
// bound to a member of RunnerSettings: the tables the runner validates against and the parsing
// come from the same declarations.
#pragma once

#include <ingest/config.hpp>
#include <ingest/plugin_abi.h>

#include <span>
#include <string>
#include <vector>

namespace ingest::config {

// The runner's keys of one connector, parsed once. Source-only and sink-only members keep their
// defaults on connectors of the other kind.
struct RunnerSettings {
    std::string plugin;
    int tasks_max = 1;
    int topic_partitions = 6;
    // automatic restart of failed tasks
    int restart_max = 5;
    int restart_backoff_ms = 1000;
    int restart_backoff_max_ms = 60000;
    // sources
    std::string topic;
    // KIP-158's topic.creation.default.* (config/topic_creation.hpp): -1 means the broker's
    // default replication factor, and topic.partitions for the partitions.
    int topic_creation_replication_factor = -1;
    int topic_creation_partitions = -1;
    // sinks
    std::string topics;  // as written: comma-separated
    int batch_max_records = 0;
    int batch_max_ms = 0;
    std::string consumer_group;  // empty: connect-<connector name>
    std::string dead_letter_topic;  // empty: <first topic>.dlq

    bool operator==(const RunnerSettings&) const = default;
};

// Keys every connector has, whatever its kind.
const sdk::ConfigDef<RunnerSettings>& common_runner_keys();
// Keys of source connectors (where records go), or of sink connectors (where records come from,
// how they are batched).
const sdk::ConfigDef<RunnerSettings>& runner_keys_for(ingest_plugin_kind kind);

// True when `name` is a runner key of any kind (plugins must not declare such keys).
bool is_runner_key(const char* name);

// `topics` split on commas, blanks trimmed, empty entries dropped.
std::vector<std::string> split_topics(const std::string& topics);

}  // namespace ingest::config
