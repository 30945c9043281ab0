// When a database error is worth retrying, and how long to wait before the next attempt.
// The single place that decides; unit-tested.
#pragma once

#include <chrono>
#include <string_view>

namespace ingest::plugins::sink_postgres {

enum class ErrorKind {
    Transient,  // roll back, reconnect if needed, retry the same batch
    Permanent,  // fail the connector: retrying cannot help
};

// `sqlstate` is PostgreSQL's five-character code; empty when the error came from the client
// library (no server reply), in which case `connection_lost` decides.
ErrorKind classify_error(std::string_view sqlstate, bool connection_lost);

// Exponential backoff with "equal jitter": half of the capped exponential delay is fixed, the
// other half random, so that retries of many tasks spread out but none retries immediately.
// `attempt` counts from 0; `unit_random` is uniform in [0, 1).
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double unit_random);

}  // namespace ingest::plugins::sink_postgres
