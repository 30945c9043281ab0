// What the sink has done since start(), per record outcome, and the metrics they are exported as
// (ABI 1.2: ingest_plugin_sink_postgres_<name>_total{connector, task}).
#pragma once

#include "batch_writer.hpp"

#include <ingest/sdk.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <string>

namespace ingest::plugins::sink_postgres {

// The sink's metric table: rows in SinkMetric order, declared once.
enum SinkMetric : uint32_t {
    kInserted,
    kUpdated,
    kDuplicates,
    kDeleted,
    kSuppressedAfterDelete,
    kLate,
    kInvalidations,
    kDeadLetters,
    kRetries,
    kAlreadyApplied,
    kRefused,
    kSinkMetricCount
};
inline constexpr ingest_metric_def kSinkMetrics[] = {
    sdk::counter_metric("inserted", "Events inserted as new rows."),
    sdk::counter_metric("updated", "Rows replaced by a newer revision (corrections, invalidations included)."),
    sdk::counter_metric("duplicates", "Records whose revision was not newer than the stored row: no change."),
    sdk::counter_metric("deleted", "Rows deleted by a tombstone (the deletion is remembered)."),
    sdk::counter_metric("suppressed_after_delete", "Records for a deleted event, ignored so it never comes back."),
    sdk::counter_metric("late", "Events whose received_time is past event_time by more than late.threshold.ms."),
    sdk::counter_metric("invalidations", "Records stored with is_valid=false (inserted or updated)."),
    sdk::counter_metric("dead_letters", "Records sent to the dead-letter topic: malformed, or refused by PostgreSQL."),
    sdk::counter_metric("retries", "Database operations retried after a transient error."),
    sdk::counter_metric("already_applied", "Redelivered records skipped: their offset was already committed."),
    sdk::counter_metric("refused", "Records PostgreSQL refused although they decoded fine (SQLSTATE classes 22, 23, "
                                   "54), dead-lettered alone while the rest of their batch committed."),
};
static_assert(std::size(kSinkMetrics) == kSinkMetricCount);

// The per-record outcomes of every committed batch, plus what happened around them.
struct SinkCounters : BatchCounts {
    uint64_t records = 0;  // handed to put(), redeliveries included
    uint64_t dead_letters = 0;  // malformed and refused
    uint64_t refused = 0;       // refused by PostgreSQL (a data error), dead-lettered
    uint64_t retries = 0;
    uint64_t batches = 0;  // committed non-empty batches
    std::chrono::microseconds batch_latency_total{0};
    std::chrono::microseconds batch_latency_max{0};

    void add(const BatchCounts& counts) { BatchCounts::operator+=(counts); }
    void add_latency(std::chrono::microseconds latency) {
        ++batches;
        batch_latency_total += latency;
        if (latency > batch_latency_max) batch_latency_max = latency;
    }

    // One line, key=value, for logs.
    std::string summary() const;
    // The counters as the rows of kSinkMetrics.
    std::array<uint64_t, kSinkMetricCount> as_metrics() const;
};

// Hands the host what grew since the last call: one metric_add per changed row, so per batch.
class MetricsReporter {
   public:
    void report(const SinkCounters& counters, const sdk::Host& host);

   private:
    std::array<uint64_t, kSinkMetricCount> reported_{};
};

}  // namespace ingest::plugins::sink_postgres
