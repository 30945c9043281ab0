// The SQL text of every statement the sink runs against its tables (whose names and columns
// shared/pg/sink_tables.hpp declares), built once per connection from the quoted names.
#pragma once

#include "shared/pg/connection.hpp"
#include "shared/pg/sink_tables.hpp"

#include <string>

namespace ingest::plugins::sink_postgres {

using shared::pg::Partitioning;
using shared::pg::PgConnection;
using shared::pg::PgError;
using shared::pg::PgParam;
using shared::pg::PgResult;
using shared::pg::QuotedTables;
using shared::pg::TableNames;

// Fencing (issue 14): the offsets table's `epoch` column counts the claims of its partition.
// Every open() of a partition increments it and remembers what it got; every batch transaction
// checks, under the partition's advisory lock, that the stored epoch is still its own. The
// column is the sink's addition to the offsets table that shared::pg declares (kOffsetsColumns):
// ensure_schema() adds it, and lets next_offset be NULL (a claim of a partition that has no
// stored offset yet stores none).
inline constexpr const char* kEpochColumn = "epoch";
inline constexpr const char* kEpochColumnType = "bigint";

// What the offsets table of an older version lacks: "ALTER TABLE <offsets> ADD COLUMN IF NOT EXISTS
// epoch ..., ALTER COLUMN next_offset DROP NOT NULL", each part only when `add_epoch` or
// `drop_not_null` asks for it (at least one must).
std::string offsets_upgrade_ddl(const QuotedTables& tables, bool add_epoch, bool drop_not_null);

// Statement texts. Parameters are typed by casts in the SQL so that binary parameters are read
// in the right format.
struct SqlText {
    explicit SqlText(const QuotedTables& tables);

    std::string lock_partition;    // $1 int8 lock key
    // $1 connector, $2 topic, $3 partition → (next offset or NULL, epoch), no row when unclaimed.
    std::string read_offset;
    // The same parameters → (next offset or NULL, epoch): the partition's row with its epoch
    // incremented, inserted (no offset, epoch 1) when missing (see kEpochColumn).
    std::string claim_partition;
    std::string save_offset;       // $1 connector, $2 topic, $3 partition, $4 next offset
    std::string list_offsets;      // $1 connector → (topic, partition, next offset) rows with an offset
    std::string forget_offset;     // $1 connector, $2 topic, $3 partition (the row and its epoch go)
    // $1 uuid[] → rows (event_id uuid, revision int4, event_time timestamptz, false) for the
    // ids that have a row, and (event_id, NULL, NULL, true) for those deleted.
    std::string lookup;
    // $1 uuid[], $2 int4[] partition, $3 int8[] offset.
    std::string mark_deleted;
    // $1 uuid[] (+ $2 timestamptz[] old event_time when partitioned).
    std::string delete_rows;
    // $1..$9 arrays of the written columns (shared::pg::kEventsColumns) (+ $10 timestamptz[] old event_time when partitioned).
    std::string update_rows;
    std::string copy_rows;         // COPY events (columns) FROM STDIN binary
    // Daily only.
    std::string copy_keys;         // COPY keys (event_id, event_time, revision) FROM STDIN binary
    std::string update_keys;       // $1 uuid[], $2 timestamptz[], $3 int4[]
    std::string delete_keys;       // $1 uuid[]
};

}  // namespace ingest::plugins::sink_postgres
