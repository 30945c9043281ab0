// The simulator's settings: one member per config key, each key declared once in config.cpp
// (name, default, bounds, documentation, member) with the SDK's ConfigDef. The table the runner
// validates and documents, the defaults and the parsing all come from that declaration, and its
// rules (event-type syntax, rates summing to at most 1, lateness bounds) run in the plugin's
// validate hook, so `ingest connectors validate` reports every problem before anything starts.
#pragma once

#include <ingest/config.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::source_event_simulator {

// Bound to the keys by config_def(), which holds their defaults: a value-initialised
// SimulatorConfig is all zeros; default_config() is the one a connector gets by default.
struct SimulatorConfig {
    uint64_t events{};       // 0: unbounded (until duration_ms, or until stopped)
    int64_t duration_ms{};   // 0: no time limit
    double rate{};           // records per second; 0: as fast as possible
    uint64_t users{};
    std::string event_types;  // `name:weight,...`; see event_types_of()
    int64_t seed{};           // any 64-bit integer; the generator takes its two's-complement bits
    // The share of all records given to each special case; the rest are on-time creates.
    double late_rate{};          // creates whose event_time is older than late.threshold.ms
    double duplicate_rate{};     // exact re-sends of an earlier record
    double correction_rate{};    // revision + 1 with changed fields
    double invalidation_rate{};  // revision + 1 with is_valid=false
    double deletion_rate{};      // tombstones
    double malformed_rate{};     // records that break the data contract
    double duplicate_stale_fraction{};
    int64_t late_threshold_ms{};
    int64_t late_max_ms{};
    std::string late_distribution;  // see lateness_distribution_of()
    int64_t ontime_delay_max_ms{};
    uint64_t history_size{};
    std::string audit_log;  // empty: no audit log
    uint64_t audit_flush_records{};
    uint64_t max_in_flight{};
    int64_t progress_interval_ms{};  // 0: no progress lines
};

// The simulator's keys, the plugin's table and validate hook.
const sdk::ConfigDef<SimulatorConfig>& config_def();

// Every key at its declared default.
SimulatorConfig default_config();

struct EventType {
    std::string name;
    uint64_t weight = 0;
};

// Parses `page_view:60,click:25`: names of [A-Za-z0-9_.-] (at most 64 characters, each once),
// weights integers from 0 to 10^9, at least one weight above zero. Adds one problem per bad entry
// to `problems`, each about the key event.types.
std::vector<EventType> parse_event_types(std::string_view text, sdk::Problems& problems);

// The event types of a config that passed config_def()'s rules; throws sdk::FatalError otherwise.
std::vector<EventType> event_types_of(const SimulatorConfig& config);

enum class LatenessDistribution { Uniform, LogUniform };

// late.distribution as the generator draws it; throws sdk::FatalError for a name the table
// does not allow.
LatenessDistribution lateness_distribution_of(const SimulatorConfig& config);

// Several tasks (tasks.max = count) each generate an independent, deterministic share of the
// stream: task `task` gets events / count records (one more for the first events % count tasks),
// rate / count records per second, its own seed derived from (seed, task) and its own audit log
// (task_audit_path). With count == 1 the config is returned unchanged. Requires 0 <= task < count
// and, for a bounded stream, events >= count (see check_task_share()).
SimulatorConfig task_share(const SimulatorConfig& config, int32_t task, int32_t count);

// Problems with splitting `config` over `count` tasks; empty when it can be. Checked when a task
// starts: the plugin's validate hook sees the plugin's keys only, not tasks.max.
sdk::Problems check_task_share(const SimulatorConfig& config, int32_t count);

// The audit log of task `task` of `count`: `path` itself when count == 1, else `path.<task>`
// (audit.jsonl -> audit.jsonl.0, audit.jsonl.1, ...). Empty stays empty (no audit log).
std::string task_audit_path(const std::string& path, int32_t task, int32_t count);

// The seed of task `task` of `count`: the connector's seed when count == 1, else a splitmix64
// derivation of (seed, task), so that tasks draw unrelated streams (and distinct UUIDs).
uint64_t task_seed(uint64_t seed, int32_t task, int32_t count);

}  // namespace ingest::plugins::source_event_simulator
