// sink_postgres's connector keys, each declared once (kConfig: name, type, default, bounds, doc and
// the member it fills, plus the rules over several keys), and the settings a task derives from them.
#pragma once

#include "shared/pg/connection_params.hpp"
#include "shared/pg/sink_tables.hpp"

#include <ingest/sdk.hpp>

#include <chrono>
#include <string>

namespace ingest::plugins::sink_postgres {

// The keys as declared: one member per key.
struct Keys {
    std::string dsn;
    std::string schema;
    std::string table;
    std::string deletions_table;
    std::string offsets_table;
    bool auto_create = true;
    std::string partitioning;
    long long late_threshold_ms = 0;
    std::string sslmode;
    int retry_max = 0;
    long long retry_backoff_ms = 0;
    long long retry_backoff_max_ms = 0;
    int writers = 0;
};

extern const sdk::ConfigDef<Keys> kConfig;

// The longest one put() (or pre_commit(), or close()) waits out database errors of the batch in
// flight before it hands its own batch back to the runner, which retries it later with its own
// backoff and keeps the task's consumer polled meanwhile: no call holds the task long enough to be
// evicted from its consumer group (max.poll.interval.ms).
inline constexpr std::chrono::milliseconds kLongestWaitInPut{10000};

// What a task works with.
struct Settings {
    shared::pg::ConnectionSettings connection;
    shared::pg::TableNames tables;
    bool auto_create = true;
    int64_t late_threshold_us = 0;
    int retry_max = 0;
    std::chrono::milliseconds retry_backoff{0};
    std::chrono::milliseconds retry_backoff_max{0};
    int writers = 1;  // connections writing a batch's partition groups at once
};

// Parses a validated config (throws sdk::FatalError naming every problem, as kConfig's rules do).
Settings read_settings(const sdk::Config& config, std::string_view connector_name);

}  // namespace ingest::plugins::sink_postgres
