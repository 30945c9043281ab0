// An idempotent producer whose delivery reports reach one handler, on the thread that polls.
// A success reaches the handler only with the record's offset: librdkafka also reports success
// without one (-1001) when it acknowledges a batch implicitly, because a later batch of the same
// partition succeeded after this one failed; the batch may then not be stored at all (see
// on_delivery_report). Such a record is sent again, and its report is the one of the new copy.
#pragma once

#include "kafka/client.hpp"

#include <ingest/plugin_abi.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
    // Records handed over whose delivery report has not reached the handler (records to be sent
    // again included).
    int in_flight() const;
    // The producer's fatal error (idempotence broken), if any.
    std::optional<std::string> fatal_error() const;
    // A partition's low and high offsets as the broker reports them; throws KafkaError.
    std::pair<int64_t, int64_t> watermarks(const std::string& topic, int32_t partition) const;
    // Asks for a topic's metadata now, so that the first records need not wait for librdkafka's
    // periodic topic scan (about a second). Returns its partition count, -1 when it does not exist.
    int fetch_metadata(const std::string& topic) const;

    // How often one record is sent again after a success without an offset before it is reported
    // as not delivered.
    static constexpr int kMaxResends = 5;

   private:
    struct HeadersDeleter {
        void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
    };
    // A record acknowledged without an offset, copied from its delivery report to be sent again.
    struct Unplaced {
        std::string topic;
        int32_t partition;
        std::optional<std::string> key, value;  // nullopt: null (a value: a tombstone)
        std::unique_ptr<rd_kafka_headers_t, HeadersDeleter> headers;
        uint64_t correlation;
    };

    static void on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
    // rd_kafka_producev; takes `headers` on success only.
    rd_kafka_resp_err_t send(const std::string& topic, int32_t partition, const char* key, size_t key_size,
                             const char* value, size_t value_size, rd_kafka_headers_t* headers, uint64_t correlation);
    // Sends the unplaced records again; those the local queue has no room for wait for the next poll.
    void resend_unplaced();

    DeliveryHandler on_delivery_;
    std::vector<Unplaced> unplaced_;
    std::unordered_map<uint64_t, int> resends_;  // correlation → times sent again, while unsettled
    Handle handle_;
};

}  // namespace ingest::kafka
