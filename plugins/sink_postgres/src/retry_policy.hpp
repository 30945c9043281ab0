// When a database error is worth retrying, and how long to wait before the next attempt.
// The single place that decides; unit-tested.
#pragma once

#include <chrono>
#include <string_view>

namespace ingest::plugins::sink_postgres {

enum class ErrorKind {
    Transient,      // roll back, reconnect if needed, retry the same batch
    RecordRefused,  // a data error one record causes: isolate that record, dead-letter it, commit the rest
    Configuration,  // a missing privilege, table, column or schema, or refused credentials: fail the
                    // task at once, saying what to fix
    Permanent,      // fail the task: retrying cannot help
};

// unique_violation: the one SQLSTATE whose kind depends on whose key was violated.
inline constexpr std::string_view kUniqueViolation = "23505";

// Whose unique key a unique violation (23505) names (PgError::constraint()).
enum class UniqueKey {
    Sinks,   // one the sink's writes can race another session on: a primary key of its tables or
             // of a partition of its events table (own_keys.hpp), or the catalog's (concurrent DDL)
    Others,  // any other unique constraint or unique index (a user's), or none named
};

// `sqlstate` is PostgreSQL's five-character code; empty when the error came from the client
// library (no server reply), in which case `connection_lost` decides. `violated` matters for 23505
// only.
//   Transient:     classes 08, 53, 58; 57P01-57P03, 57014, 40001, 40P01, 40003, 55P03, 25P03; and
//                  23505 on one of the sink's own keys. The sink inserts the rows it found missing
//                  under per-partition advisory locks, so its own keys collide only when another
//                  writer of the same tables races it outside those locks: a retry looks again
//                  and takes the update path.
//   RecordRefused: classes 22 (data exception: a value out of range, an untranslatable character),
//                  23 (integrity: a CHECK, foreign key or exclusion constraint, or a unique
//                  constraint or index of the user's (23505 on a key not the sink's)) and 54
//                  (program limit: an index row too large).
//   Configuration: classes 42 (undefined table or column, insufficient privilege), 28 (invalid
//                  authorization) and 3F (no such schema).
ErrorKind classify_error(std::string_view sqlstate, bool connection_lost, UniqueKey violated);

// Exponential backoff with "equal jitter": half of the capped exponential delay is fixed, the
// other half random, so that retries of many tasks spread out but none retries immediately.
// `attempt` counts from 0; `unit_random` is uniform in [0, 1).
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double unit_random);

}  // namespace ingest::plugins::sink_postgres
