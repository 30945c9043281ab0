// The sink's tables (DESIGN.md §3): their default names, columns (name, type, order) and DDL,
// declared once. sink_postgres creates and writes them from this declaration; sink_validator
// reads them back through it instead of restating their shape.
#pragma once

#include <libpq-fe.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ingest::plugins::shared::pg {

inline constexpr const char* kDefaultSchema = "public";
inline constexpr const char* kDefaultEventsTable = "events";
inline constexpr const char* kDefaultDeletionsTable = "events_deletions";
inline constexpr const char* kDefaultOffsetsTable = "ingest_offsets";

// Every column is NOT NULL; `default_sql` is empty when the writer must supply a value.
struct Column {
    std::string_view name;
    std::string_view type;  // as PostgreSQL names it: also the cast a reader applies
    std::string_view default_sql = {};
};

// events: one row per live event. The first kEventsWrittenColumns are what the sink writes, in
// COPY and update-parameter order; the rest default.
enum EventsColumn : size_t {
    kEventId,
    kUserId,
    kEventType,
    kEventTime,
    kReceivedTime,
    kIsValid,
    kRevision,
    kKafkaPartition,  // where the record the row came from sits in the topic
    kKafkaOffset,
    kIngestedAt,
};
inline constexpr std::array<Column, 10> kEventsColumns = {{
    {"event_id", "uuid"},
    {"user_id", "text"},
    {"event_type", "text"},
    {"event_time", "timestamptz"},
    {"received_time", "timestamptz"},
    {"is_valid", "boolean"},
    {"revision", "integer"},
    {"kafka_partition", "integer"},
    {"kafka_offset", "bigint"},
    {"ingested_at", "timestamptz", "now()"},
}};
inline constexpr size_t kEventsWrittenColumns = 9;

// deletions: every event_id a tombstone deleted, so that no later record resurrects it.
inline constexpr std::array<Column, 4> kDeletionsColumns = {{
    {"event_id", "uuid"},
    {"kafka_partition", "integer"},
    {"kafka_offset", "bigint"},
    {"deleted_at", "timestamptz", "now()"},
}};

// offsets: the next Kafka offset per (connector, topic, partition), committed with the rows.
inline constexpr std::array<Column, 5> kOffsetsColumns = {{
    {"connector", "text"},
    {"topic", "text"},
    {"kafka_partition", "integer"},
    {"next_offset", "bigint"},
    {"updated_at", "timestamptz", "now()"},
}};

// keys (daily partitioning only): event_id → (event_time, revision), unpartitioned. A primary
// key of a partitioned table must contain the partition key, so event_id alone cannot be unique
// in `events`; this table is where uniqueness per event_id and the lookups live.
inline constexpr std::array<Column, 3> kKeysColumns = {{
    {"event_id", "uuid"},
    {"event_time", "timestamptz"},
    {"revision", "integer"},
}};

// "a, b, c" for the first `count` columns (all when count exceeds their number).
std::string column_list(std::span<const Column> columns, size_t count = SIZE_MAX);
// "a::type, b::type": a select list that reads the columns in their declared types.
std::string cast_column_list(std::span<const Column> columns, size_t count = SIZE_MAX);

enum class Partitioning { None, Daily };

struct TableNames {
    std::string schema = kDefaultSchema;
    std::string events = kDefaultEventsTable;
    std::string deletions = kDefaultDeletionsTable;
    std::string offsets = kDefaultOffsetsTable;
    Partitioning partitioning = Partitioning::None;

    std::string keys_table() const { return events + "_keys"; }
};

// Quoted, schema-qualified names (identifier.hpp) for one connection.
struct QuotedTables {
    QuotedTables(PGconn* conn, const TableNames& names);

    TableNames names;
    std::string schema;
    std::string events;
    std::string deletions;
    std::string offsets;
    std::string keys;  // Daily only
};

// CREATE TABLE statements (and the events table's indexes).
std::string events_table_ddl(const QuotedTables& tables);
std::string keys_table_ddl(const QuotedTables& tables);
std::string deletions_table_ddl(const QuotedTables& tables);
std::string offsets_table_ddl(const QuotedTables& tables);

}  // namespace ingest::plugins::shared::pg
