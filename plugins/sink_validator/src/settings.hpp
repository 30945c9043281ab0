// The validator's settings: one member per config key, each key declared once in settings.cpp
// (name, default, bounds, documentation, member) with the SDK's ConfigDef. The table the runner
// validates and documents, the defaults and the parsing come from that declaration; its rules
// (text keys not empty, two different topics) run in the plugin's validate hook, so
// `ingest connectors validate` reports every problem before anything starts.
#pragma once

#include <ingest/config.hpp>

#include <cstdint>
#include <string>

namespace ingest::plugins::sink_validator {

// Bound to the keys by config_def(), which holds their defaults.
struct Settings {
    std::string audit_log;
    int64_t audit_log_tasks{};
    std::string dsn;
    std::string schema;
    std::string table;
    std::string deletions_table;
    std::string offsets_table;
    std::string sink_connector;
    std::string source_topic;
    std::string dlq_topic;
    bool source_topic_compacted{};
    int64_t timeout_ms{};
    std::string report_path;  // empty: no report file
    int64_t examples_max{};
    int64_t late_threshold_ms{};
    int64_t memory_budget_mb{};
    std::string spill_dir;  // empty: the system's temporary directory
};

// The validator's keys: the plugin's table and validate hook; parse() gives a task its Settings.
const sdk::ConfigDef<Settings>& config_def();

}  // namespace ingest::plugins::sink_validator
