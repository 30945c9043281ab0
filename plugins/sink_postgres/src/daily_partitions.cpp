#include "daily_partitions.hpp"

#include "lock_key.hpp"
#include "shared/pg/identifier.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

namespace ingest::plugins::sink_postgres {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

std::chrono::year_month_day civil(int64_t day) {
    return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{day}}};
}

// DDL takes no parameters, so partition bounds must be literals. They are built here from
// integers, never from input text, and still go through libpq's literal quoting.
std::string quoted_literal(PGconn* conn, const std::string& text) {
    std::unique_ptr<char, decltype(&PQfreemem)> literal(
        PQescapeLiteral(conn, text.data(), text.size()), &PQfreemem);
    if (!literal) throw PgError("cannot quote partition bound " + text, "", false);
    return literal.get();
}

}  // namespace

int64_t utc_day(int64_t unix_micros) {
    int64_t day = unix_micros / kMicrosPerDay;
    if (unix_micros % kMicrosPerDay < 0) --day;  // floor, for times before 1970
    return day;
}

std::string partition_name(const std::string& table, int64_t day) {
    const auto date = civil(day);
    char suffix[32];
    std::snprintf(suffix, sizeof(suffix), "_p%04d%02u%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return table + suffix;
}

std::string day_start_literal(int64_t day) {
    const auto date = civil(day);
    char text[40];
    std::snprintf(text, sizeof(text), "%04d-%02u-%02u 00:00:00+00", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return text;
}

void DailyPartitions::ensure(PgConnection& conn, const QuotedTables& tables,
                             std::vector<int64_t>& days) {
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    std::erase_if(days, [&](int64_t day) { return known_.contains(day); });
    if (days.empty()) return;

    conn.run("BEGIN");
    const std::string lock_key =
        std::to_string(advisory_lock_key("ingest.sink_postgres.ddl|" + tables.events));
    conn.query("SELECT pg_advisory_xact_lock($1::int8)", {{lock_key}});
    for (int64_t day : days) {
        const std::string name = partition_name(tables.names.events, day);
        conn.run("CREATE TABLE IF NOT EXISTS " +
                 shared::pg::qualified_name(conn.raw(), tables.names.schema, name) + " PARTITION OF " +
                 tables.events + " FOR VALUES FROM (" +
                 quoted_literal(conn.raw(), day_start_literal(day)) + ") TO (" +
                 quoted_literal(conn.raw(), day_start_literal(day + 1)) + ")");
    }
    conn.run("COMMIT");
    known_.insert(days.begin(), days.end());
}

}  // namespace ingest::plugins::sink_postgres
