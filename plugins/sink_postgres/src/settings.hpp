// sink_postgres's config table (the single declaration of its keys) and the typed settings a
// task derives from a validated config.
#pragma once

#include "shared/pg/connection_params.hpp"
#include "shared/pg/sink_tables.hpp"

#include <ingest/sdk.hpp>

#include <chrono>
#include <string>

namespace ingest::plugins::sink_postgres {

namespace key {
inline constexpr const char* kDsn = "connection.dsn";
inline constexpr const char* kSchema = "schema";
inline constexpr const char* kTable = "table";
inline constexpr const char* kDeletionsTable = "deletions.table";
inline constexpr const char* kOffsetsTable = "offsets.table";
inline constexpr const char* kAutoCreate = "auto.create";
inline constexpr const char* kPartitioning = "partitioning";
inline constexpr const char* kLateThresholdMs = "late.threshold.ms";
inline constexpr const char* kSslMode = "sslmode";
inline constexpr const char* kRetryMax = "retry.max";
inline constexpr const char* kRetryBackoffMs = "retry.backoff.ms";
inline constexpr const char* kRetryBackoffMaxMs = "retry.backoff.max.ms";
}  // namespace key

inline constexpr const char* kSslModes[] = {"disable", "allow",     "prefer",     "require",
                                            "verify-ca", "verify-full", nullptr};
inline constexpr const char* kPartitionings[] = {"none", "daily", nullptr};

inline constexpr ingest_config_key kConfigKeys[] = {
    sdk::password_key(key::kDsn, nullptr,
                      "PostgreSQL connection string, libpq key=value or postgresql:// URI, e.g. "
                      "${env:INGEST_PG_DSN}. Settings it names win over sslmode below."),
    sdk::string_key(key::kSchema, shared::pg::kDefaultSchema, "Schema of the sink's tables."),
    sdk::string_key(key::kTable, shared::pg::kDefaultEventsTable, "Table the events land in."),
    sdk::string_key(key::kDeletionsTable, shared::pg::kDefaultDeletionsTable,
                    "Table remembering deleted event_ids, so that no later record resurrects "
                    "them."),
    sdk::string_key(key::kOffsetsTable, shared::pg::kDefaultOffsetsTable,
                    "Table holding the next Kafka offset per connector, topic and partition, "
                    "written in the same transaction as the rows (exactly-once)."),
    sdk::bool_key(key::kAutoCreate, "true",
                  "Create the schema, tables and indexes when missing. When false a missing table "
                  "fails the connector."),
    sdk::string_key(key::kPartitioning, "none",
                    "'daily' partitions the events table by UTC day of event_time (partitions "
                    "created on demand; event_id uniqueness kept in <table>_keys).",
                    kPartitionings),
    sdk::int_key(key::kLateThresholdMs, "30000",
                 "An event whose received_time is more than this after its event_time counts as "
                 "a late arrival (accepted either way).",
                 0),
    sdk::string_key(key::kSslMode, "prefer",
                    "libpq sslmode, used unless connection.dsn sets one.", kSslModes),
    sdk::int_key(key::kRetryMax, "10",
                 "Retries of a batch on transient database errors (connection loss, deadlock, "
                 "serialization failure, ...) inside one put() before the batch is handed back "
                 "to the runner for redelivery.",
                 0, 1000),
    sdk::int_key(key::kRetryBackoffMs, "100", "First retry delay; doubles on every retry.", 1),
    sdk::int_key(key::kRetryBackoffMaxMs, "10000", "Cap of the retry delay.", 1),
};

struct Settings {
    shared::pg::ConnectionSettings connection;
    shared::pg::TableNames tables;
    bool auto_create = true;
    int64_t late_threshold_us = 0;
    int retry_max = 0;
    std::chrono::milliseconds retry_backoff{0};
    std::chrono::milliseconds retry_backoff_max{0};
};

// Throws sdk::FatalError naming the key for values the table's types cannot rule out (empty
// table names).
Settings read_settings(const sdk::Config& config, std::string_view connector_name);

}  // namespace ingest::plugins::sink_postgres
