// What an operator reads when PostgreSQL refuses the sink for a reason only they can fix
// (ErrorKind::Configuration: a missing privilege, table, column or schema, refused credentials):
// which of the sink's statements failed on which table, what it needs there, and how to give it;
// and, when a transient error outlasts retry.max, what would end it. Pure text, unit-testable.
#pragma once

#include "shared/pg/sink_tables.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ingest::plugins::sink_postgres {

// What the sink was doing, by what it needs of PostgreSQL. The batch writer notes each step
// before its statements run, so that an error can be explained by the step it happened in.
enum class WriteStep : uint8_t {
    Connecting,        // connecting and checking the tables
    CreatingTables,    // auto.create: creating the missing schema and tables
    Preparing,         // preparing the sink's statements on its tables
    CreatingPartitions,  // partitioning=daily: creating a day's partition
    LockingPartitions,
    ReadingOffsets,
    ClaimingPartitions,  // open(): incrementing a partition's epoch (fencing)
    UpgradingOffsets,  // auto.create: adding the epoch column to an older offsets table
    LookingUp,         // prior versions of the batch's events, and their deletions
    RecordingDeletions,
    DeletingRows,
    UpdatingRows,
    InsertingRows,
    UpdatingKeys,      // partitioning=daily: the keys table
    DeletingKeys,
    InsertingKeys,
    SavingOffsets,
    Committing,
    AlteringOffsets,   // the operator's offsets changes (KIP-875)
};

// "inserting new rows into "s"."events" (COPY, needs INSERT)".
std::string describe_step(WriteStep step, const shared::pg::QuotedTables& tables);

// The sentence(s) that tell the operator what to fix, for an error of `sqlstate` (classified
// Configuration) that happened during `step`. `role`: the connection's user, quoted as an
// identifier (what a GRANT names).
std::string configuration_advice(std::string_view sqlstate, WriteStep step,
                                 const shared::pg::QuotedTables& tables, std::string_view role);

// What to do when a transient error of `sqlstate` outlasted retry.max, or "" when the error says
// all there is: for 57014 (query_canceled: statement_timeout), how to give a batch more time or
// make it smaller. `role`: as for configuration_advice; `database`: the connection's, quoted as an
// identifier (what ALTER DATABASE names), or empty when unknown.
std::string retries_exhausted_advice(std::string_view sqlstate, std::string_view role, std::string_view database);

}  // namespace ingest::plugins::sink_postgres
