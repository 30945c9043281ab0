#include "retry_policy.hpp"

#include <algorithm>
#include <array>

namespace ingest::plugins::sink_postgres {

ErrorKind classify_error(std::string_view sqlstate, bool connection_lost, UniqueKey violated) {
    if (sqlstate.size() != 5) return connection_lost ? ErrorKind::Transient : ErrorKind::Permanent;

    // Whole classes: 08 connection exception, 53 insufficient resources (disk full, out of
    // memory, too many connections), 58 system error (I/O) outside PostgreSQL.
    const std::string_view error_class = sqlstate.substr(0, 2);
    if (error_class == "08" || error_class == "53" || error_class == "58")
        return ErrorKind::Transient;

    // Only a race on the sink's own keys is worth retrying (see retry_policy.hpp); a user's unique
    // index refusing a record's values is that record's data error, like a CHECK.
    if (sqlstate == kUniqueViolation)
        return violated == UniqueKey::Sinks ? ErrorKind::Transient : ErrorKind::RecordRefused;

    static constexpr std::array<std::string_view, 9> kTransientCodes = {
        "57P01",  // admin_shutdown: server restarting
        "57P02",  // crash_shutdown
        "57P03",  // cannot_connect_now: server starting up or in recovery
        "57014",  // query_canceled: statement_timeout or an operator's cancel
        "40001",  // serialization_failure
        "40P01",  // deadlock_detected
        "40003",  // statement_completion_unknown
        "55P03",  // lock_not_available: lock_timeout
        "25P03",  // idle_in_transaction_session_timeout ended the session
    };
    for (std::string_view code : kTransientCodes)
        if (sqlstate == code) return ErrorKind::Transient;

    // What one record's values cause, although it decoded fine: the batch writer finds the record
    // by splitting the batch, dead-letters it and commits the rest.
    if (error_class == "22" || error_class == "23" || error_class == "54") return ErrorKind::RecordRefused;
    // What an operator must fix: the task fails at once with what to do.
    if (error_class == "42" || error_class == "28" || error_class == "3F") return ErrorKind::Configuration;
    return ErrorKind::Permanent;
}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double unit_random) {
    const int exponent = std::clamp(attempt, 0, 62);
    // Compared before shifting, so that large attempts or bases saturate at the cap instead of
    // overflowing.
    const long long ceiling = base.count() > (cap.count() >> exponent)
                                  ? cap.count()
                                  : std::min(cap.count(), base.count() << exponent);
    const double jitter = std::clamp(unit_random, 0.0, 1.0);
    return std::chrono::milliseconds(ceiling / 2 +
                                     static_cast<long long>(jitter * static_cast<double>(ceiling - ceiling / 2)));
}

}  // namespace ingest::plugins::sink_postgres
