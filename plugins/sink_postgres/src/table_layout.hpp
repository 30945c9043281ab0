// The sink's tables (DESIGN.md §3, "PostgreSQL layout"): names from the config, quoted once per
// connection, and the SQL text of every statement the sink runs against them.
#pragma once

#include <libpq-fe.h>

#include <string>

namespace ingest::sink_postgres {

enum class Partitioning { None, Daily };

struct TableNames {
    std::string schema;
    std::string events;
    std::string deletions;
    std::string offsets;
    Partitioning partitioning = Partitioning::None;

    // Daily partitioning only: event_id → (event_time, revision), unpartitioned. A primary key
    // of a partitioned table must contain the partition key, so event_id alone cannot be unique
    // in `events`; this table is where uniqueness per event_id and the lookups live.
    std::string keys_table() const { return events + "_keys"; }
};

// Quoted, schema-qualified names (sql_identifier.hpp) for one connection.
struct QuotedTables {
    QuotedTables(PGconn* conn, const TableNames& names);

    TableNames names;
    std::string schema;
    std::string events;
    std::string deletions;
    std::string offsets;
    std::string keys;  // Daily only
};

// Statement texts. Parameters are typed by casts in the SQL so that binary parameters are read
// in the right format.
struct SqlText {
    explicit SqlText(const QuotedTables& tables);

    std::string lock_partition;    // $1 int8 lock key
    std::string read_offset;       // $1 connector, $2 topic, $3 partition
    std::string save_offset;       // $1 connector, $2 topic, $3 partition, $4 next offset
    // $1 uuid[] → rows (event_id uuid, revision int4, event_time timestamptz, false) for the
    // ids that have a row, and (event_id, NULL, NULL, true) for those deleted.
    std::string lookup;
    // $1 uuid[], $2 int4[] partition, $3 int8[] offset.
    std::string mark_deleted;
    // $1 uuid[] (+ $2 timestamptz[] old event_time when partitioned).
    std::string delete_rows;
    // $1..$9 column arrays (see columns) (+ $10 timestamptz[] old event_time when partitioned).
    std::string update_rows;
    std::string copy_rows;         // COPY events (columns) FROM STDIN binary
    // Daily only.
    std::string copy_keys;         // COPY keys (event_id, event_time, revision) FROM STDIN binary
    std::string update_keys;       // $1 uuid[], $2 timestamptz[], $3 int4[]
    std::string delete_keys;       // $1 uuid[]
};

// The columns the sink writes, in COPY and update-parameter order.
inline constexpr const char* kEventColumns =
    "event_id, user_id, event_type, event_time, received_time, is_valid, revision, "
    "kafka_partition, kafka_offset";
inline constexpr int kEventColumnCount = 9;

}  // namespace ingest::sink_postgres
