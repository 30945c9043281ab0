// partitioning=daily: one partition of the events table per UTC day of event_time, created on
// demand before a batch writes into it.
#pragma once

#include "sql_text.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace ingest::plugins::sink_postgres {

// UTC day number (days since 1970-01-01) of a timestamp in microseconds since the epoch.
int64_t utc_day(int64_t unix_micros);

// "<table>_pYYYYMMDD" for a day number.
std::string partition_name(const std::string& table, int64_t day);

// "YYYY-MM-DD 00:00:00+00" for a day number: a partition bound.
std::string day_start_literal(int64_t day);

class DailyPartitions {
   public:
    // Creates the missing partitions for `days` (any order, duplicates allowed) in a transaction
    // of its own, so that the batch's transaction takes no DDL locks. Remembers what exists.
    void ensure(PgConnection& conn, const QuotedTables& tables, std::vector<int64_t>& days);

   private:
    std::set<int64_t> known_;
};

}  // namespace ingest::plugins::sink_postgres
