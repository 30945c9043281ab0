// A sink's dead-letter topic: records the sink rejected, sent with Kafka Connect's
// `__connect.errors.*` headers (so existing DLQ tooling reads them) naming the reason and where
// the record came from, followed by the plugin's own headers if it gave any (ABI 1.4, e.g.
// sink_postgres's `ingest.errors.sqlstate`). Owns its producer, created on the first dead letter.
#pragma once

#include "kafka/producer.hpp"

#include <ingest/plugin_abi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::pipeline {

class DeadLetterQueue {
   public:
    // How long flush() waits for the broker to confirm what was queued.
    static constexpr std::chrono::seconds kFlushDeadline{30};

    // `overrides`: the connector's producer.override.* properties, which its dead-letter producer
    // has as a source's producer does. `stopping` cuts short a wait for room in a full producer queue.
    DeadLetterQueue(std::string bootstrap, kafka::Properties overrides, std::string topic, std::string connector,
                    const std::atomic<bool>& stopping);

    // The prefix of the headers the queue writes itself: a plugin's headers may not use it, so
    // that Kafka Connect's headers always say what the runner knows.
    static constexpr std::string_view kReservedHeaderPrefix = "__connect.";

    // FATAL (error filled) when a plugin's extra header has no key or a reserved one: the one rule
    // for them, which the plugin test harness applies too.
    static ingest_status check_extra_headers(std::span<const ingest_header> extra, ingest_error* error);

    // Queues `record` with headers naming `reason`, then `extra` (the plugin's own); RETRIABLE
    // (error filled) when it cannot, FATAL when an extra header's key is missing or reserved.
    ingest_status send(const ingest_record& record, const char* reason, std::span<const ingest_header> extra,
                       ingest_error* error);
    // Waits until everything queued is confirmed; RETRIABLE (error filled) when a record was
    // refused or not confirmed in time.
    ingest_status flush(ingest_error* error);

    const std::string& topic() const { return topic_; }

   private:
    std::string bootstrap_;
    kafka::Properties overrides_;
    std::string topic_;
    std::string connector_;
    const std::atomic<bool>& stopping_;
    std::unique_ptr<kafka::Producer> producer_;
    std::string refusal_;  // first delivery failure since the last flush
    std::vector<ingest_header> headers_;  // per send, reused
};

}  // namespace ingest::pipeline
