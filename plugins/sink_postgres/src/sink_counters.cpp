#include "sink_counters.hpp"

namespace ingest::plugins::sink_postgres {

std::string SinkCounters::summary() const {
    const auto mean = batches ? batch_latency_total.count() / static_cast<long long>(batches) : 0;
    return "records=" + std::to_string(records) + " inserted=" + std::to_string(inserted) +
           " updated=" + std::to_string(updated) + " duplicates=" + std::to_string(duplicates) +
           " deleted=" + std::to_string(deleted) +
           " suppressed_after_delete=" + std::to_string(suppressed_after_delete) +
           " invalidations=" + std::to_string(invalidations) + " late=" + std::to_string(late) +
           " dead_letters=" + std::to_string(dead_letters) + " refused=" + std::to_string(refused) +
           " already_applied=" + std::to_string(already_applied) +
           " retries=" + std::to_string(retries) + " batches=" + std::to_string(batches) +
           " batch_latency_mean_ms=" + std::to_string(mean / 1000.0) +
           " batch_latency_max_ms=" + std::to_string(batch_latency_max.count() / 1000.0);
}

std::array<uint64_t, kSinkMetricCount> SinkCounters::as_metrics() const {
    std::array<uint64_t, kSinkMetricCount> values{};
    values[kInserted] = inserted;
    values[kUpdated] = updated;
    values[kDuplicates] = duplicates;
    values[kDeleted] = deleted;
    values[kSuppressedAfterDelete] = suppressed_after_delete;
    values[kLate] = late;
    values[kInvalidations] = invalidations;
    values[kDeadLetters] = dead_letters;
    values[kRetries] = retries;
    values[kAlreadyApplied] = already_applied;
    values[kRefused] = refused;
    return values;
}

void MetricsReporter::report(const SinkCounters& counters, const sdk::Host& host) {
    const auto values = counters.as_metrics();
    for (uint32_t row = 0; row < kSinkMetricCount; ++row)
        if (values[row] > reported_[row]) host.metric_add(row, static_cast<double>(values[row] - reported_[row]));
    reported_ = values;
}

}  // namespace ingest::plugins::sink_postgres
