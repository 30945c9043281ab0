// What the sink has done since start(), per record outcome; kept as plain numbers so that a
// metrics exporter can read them later.
#pragma once

#include "batch_writer.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace ingest::sink_postgres {

struct SinkCounters {
    uint64_t records = 0;  // handed to put(), redeliveries included
    uint64_t inserted = 0;
    uint64_t updated = 0;
    uint64_t duplicates = 0;
    uint64_t deleted = 0;
    uint64_t suppressed_after_delete = 0;
    uint64_t invalidations = 0;
    uint64_t late = 0;
    uint64_t dead_letters = 0;
    uint64_t already_applied = 0;
    uint64_t retries = 0;
    uint64_t batches = 0;  // committed non-empty batches
    std::chrono::microseconds batch_latency_total{0};
    std::chrono::microseconds batch_latency_max{0};

    void add(const BatchCounts& counts) {
        inserted += counts.inserted;
        updated += counts.updated;
        duplicates += counts.duplicates;
        deleted += counts.deleted;
        suppressed_after_delete += counts.suppressed_after_delete;
        invalidations += counts.invalidations;
        late += counts.late;
        already_applied += counts.already_applied;
    }
    void add_latency(std::chrono::microseconds latency) {
        ++batches;
        batch_latency_total += latency;
        if (latency > batch_latency_max) batch_latency_max = latency;
    }

    // One line, key=value, for logs.
    std::string summary() const;
};

}  // namespace ingest::sink_postgres
