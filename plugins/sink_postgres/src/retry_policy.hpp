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

// `sqlstate` is PostgreSQL's five-character code; empty when the error came from the client
// library (no server reply), in which case `connection_lost` decides.
//   Transient:     classes 08, 53, 58; 57P01-57P03, 57014, 40001, 40P01, 40003, 55P03, 25P03, 23505.
//   RecordRefused: classes 22 (data exception: a value out of range, an untranslatable character),
//                  23 (integrity: a CHECK, foreign key or exclusion constraint of the user's table)
//                  and 54 (program limit: an index row too large); 23505 stays Transient.
//   Configuration: classes 42 (undefined table or column, insufficient privilege), 28 (invalid
//                  authorization) and 3F (no such schema).
ErrorKind classify_error(std::string_view sqlstate, bool connection_lost);

// Exponential backoff with "equal jitter": half of the capped exponential delay is fixed, the
// other half random, so that retries of many tasks spread out but none retries immediately.
// `attempt` counts from 0; `unit_random` is uniform in [0, 1).
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double unit_random);

}  // namespace ingest::plugins::sink_postgres
