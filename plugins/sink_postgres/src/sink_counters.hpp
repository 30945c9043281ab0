// What the sink has done since start(), per record outcome; kept as plain numbers so that a
// metrics exporter can read them later.
#pragma once

#include "batch_writer.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace ingest::plugins::sink_postgres {

// The per-record outcomes of every committed batch, plus what happened around them.
struct SinkCounters : BatchCounts {
    uint64_t records = 0;  // handed to put(), redeliveries included
    uint64_t dead_letters = 0;
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
};

}  // namespace ingest::plugins::sink_postgres
