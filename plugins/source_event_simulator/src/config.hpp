// The simulator's settings, read from the validated connector config.
//
// The runner checks each key against the plugin's table (type, range; see config_table.hpp) before
// start(); what it cannot check is here: the event-type list's syntax and the rules that span keys.
// load_config() reports every problem at once, each naming its key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::source_event_simulator {

// Key names: declared once, used by the table and by the reader.
namespace key {
inline constexpr const char* kEvents = "events";
inline constexpr const char* kDurationMs = "duration.ms";
inline constexpr const char* kRate = "rate";
inline constexpr const char* kUsers = "users";
inline constexpr const char* kEventTypes = "event.types";
inline constexpr const char* kSeed = "seed";
inline constexpr const char* kLateRate = "late.rate";
inline constexpr const char* kDuplicateRate = "duplicate.rate";
inline constexpr const char* kCorrectionRate = "correction.rate";
inline constexpr const char* kInvalidationRate = "invalidation.rate";
inline constexpr const char* kDeletionRate = "deletion.rate";
inline constexpr const char* kMalformedRate = "malformed.rate";
inline constexpr const char* kDuplicateStaleFraction = "duplicate.stale.fraction";
inline constexpr const char* kLateThresholdMs = "late.threshold.ms";
inline constexpr const char* kLateMaxMs = "late.max.ms";
inline constexpr const char* kLateDistribution = "late.distribution";
inline constexpr const char* kOntimeDelayMaxMs = "ontime.delay.max.ms";
inline constexpr const char* kHistorySize = "history.size";
inline constexpr const char* kAuditLog = "audit.log";
inline constexpr const char* kAuditFlushRecords = "audit.flush.records";
inline constexpr const char* kMaxInFlight = "max.in.flight";
inline constexpr const char* kProgressIntervalMs = "progress.interval.ms";
}  // namespace key

// Bounds shared by the table and the checks.
inline constexpr size_t kEventTypeNameMax = 64;
inline constexpr uint64_t kEventTypeWeightMax = 1'000'000'000;
inline constexpr size_t kEventTypesMax = 1000;

struct EventType {
    std::string name;
    uint64_t weight = 0;
};

enum class LatenessDistribution { Uniform, LogUniform };

// The share of all records given to each special case; the rest are on-time creates.
struct CaseRates {
    double late = 0;          // creates whose event_time is older than late.threshold.ms
    double duplicate = 0;     // exact re-sends of an earlier record
    double correction = 0;    // revision + 1 with changed fields
    double invalidation = 0;  // revision + 1 with is_valid=false
    double deletion = 0;      // tombstones
    double malformed = 0;     // records that break the data contract
};

struct SimulatorConfig {
    uint64_t events = 100'000;  // 0: unbounded (until duration_ms, or until stopped)
    int64_t duration_ms = 0;    // 0: no time limit
    double rate = 0;            // records per second; 0: as fast as possible
    uint64_t users = 10'000;
    std::vector<EventType> event_types = {
        {"page_view", 60}, {"click", 25}, {"add_to_cart", 10}, {"purchase", 5}};
    uint64_t seed = 1;
    CaseRates rates;
    double duplicate_stale_fraction = 0.3;
    int64_t late_threshold_ms = 30'000;
    int64_t late_max_ms = 3'600'000;
    LatenessDistribution late_distribution = LatenessDistribution::LogUniform;
    int64_t ontime_delay_max_ms = 2'000;
    uint64_t history_size = 10'000;
    std::string audit_log;  // empty: no audit log
    uint64_t audit_flush_records = 5'000;
    uint64_t max_in_flight = 50'000;
    int64_t progress_interval_ms = 5'000;  // 0: no progress lines
};

// Parses `page_view:60,click:25`: names of [A-Za-z0-9_.-] (at most kEventTypeNameMax characters,
// each once), weights non-negative integers, at least one weight above zero. Appends one problem per
// bad entry to `problems`.
std::vector<EventType> parse_event_types(std::string_view text, std::vector<std::string>& problems);

// Rules that span keys: rates not negative, summing to at most 1; lateness bounds consistent.
std::vector<std::string> check_config(const SimulatorConfig& config);

// Reads every key through `lookup` (nullopt: key absent), then check_config(). Returns all
// problems; `config` is complete only when none are returned.
using ConfigLookup = std::function<std::optional<std::string>(std::string_view key)>;
std::vector<std::string> load_config(const ConfigLookup& lookup, SimulatorConfig& config);

// Several tasks (tasks.max = count) each generate an independent, deterministic share of the
// stream: task `task` gets events / count records (one more for the first events % count tasks),
// rate / count records per second, its own seed derived from (seed, task) and its own audit log
// (task_audit_path). With count == 1 the config is returned unchanged. Requires 0 <= task < count
// and, for a bounded stream, events >= count (see check_task_share()).
SimulatorConfig task_share(const SimulatorConfig& config, int32_t task, int32_t count);

// Problems with splitting `config` over `count` tasks; empty when it can be.
std::vector<std::string> check_task_share(const SimulatorConfig& config, int32_t count);

// The audit log of task `task` of `count`: `path` itself when count == 1, else `path.<task>`
// (audit.jsonl -> audit.jsonl.0, audit.jsonl.1, ...). Empty stays empty (no audit log).
std::string task_audit_path(const std::string& path, int32_t task, int32_t count);

// The seed of task `task` of `count`: the connector's seed when count == 1, else a splitmix64
// derivation of (seed, task), so that tasks draw unrelated streams (and distinct UUIDs).
uint64_t task_seed(uint64_t seed, int32_t task, int32_t count);

}  // namespace ingest::plugins::source_event_simulator
