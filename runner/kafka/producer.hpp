// An idempotent producer whose delivery reports reach one handler, on the thread that polls.
#pragma once

#include "kafka/client.hpp"

#include <ingest/plugin_abi.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::kafka {

struct Delivery {
    uint64_t correlation;
    int32_t partition;
    int64_t offset;
    std::string error;  // empty when the broker confirmed the record; else why it was refused
    bool ok() const { return error.empty(); }
};

class Producer {
   public:
    using DeliveryHandler = std::function<void(const Delivery&)>;

    // A connector's `overrides` go over the runner's defaults (lz4, batching) and the worker's
    // properties, under its guarantees (idempotence on, acks=all): client_conf.
    Producer(const std::string& bootstrap, const Properties& overrides, DeliveryHandler on_delivery);

    // Queues one record (INGEST_PARTITION_ANY: partitioned by key); while the local queue is full
    // it serves delivery reports and waits.
    // `stopping` aborts the wait (returns false). Throws KafkaError on a non-retriable refusal.
    bool produce(const std::string& topic, int32_t partition, ingest_bytes key, ingest_bytes value,
                 const ingest_header* headers, size_t header_count, uint64_t correlation,
                 const std::atomic<bool>* stopping = nullptr);

    // Serves delivery reports for up to `timeout_ms`.
    void poll(int timeout_ms);
    // Sends what is queued without waiting for linger.ms and serves delivery reports until none
    // is outstanding or `timeout` passed.
    void flush(std::chrono::milliseconds timeout);
    int in_flight() const;
    // The producer's fatal error (idempotence broken), if any.
    std::optional<std::string> fatal_error() const;
    // A partition's low and high offsets as the broker reports them; throws KafkaError.
    std::pair<int64_t, int64_t> watermarks(const std::string& topic, int32_t partition) const;
    // Asks for a topic's metadata now, so that the first records need not wait for librdkafka's
    // periodic topic scan (about a second). Returns its partition count, -1 when it does not exist.
    int fetch_metadata(const std::string& topic) const;

   private:
    static void on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);

    DeliveryHandler on_delivery_;
    Handle handle_;
};

}  // namespace ingest::kafka
