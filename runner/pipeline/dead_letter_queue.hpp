// A sink's dead-letter topic: records the sink rejected, sent with Kafka Connect's
// `__connect.errors.*` headers (so existing DLQ tooling reads them) naming the reason and where
// the record came from. Owns its producer, created on the first dead letter.
#pragma once

#include "kafka/producer.hpp"

#include <ingest/plugin_abi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace ingest::pipeline {

class DeadLetterQueue {
   public:
    // How long flush() waits for the broker to confirm what was queued.
    static constexpr std::chrono::seconds kFlushDeadline{30};

    // `stopping` cuts short a wait for room in a full producer queue.
    DeadLetterQueue(std::string bootstrap, std::string topic, std::string connector,
                    const std::atomic<bool>& stopping);

    // Queues `record` with headers naming `reason`; RETRIABLE (error filled) when it cannot.
    ingest_status send(const ingest_record& record, const char* reason, ingest_error* error);
    // Waits until everything queued is confirmed; RETRIABLE (error filled) when a record was
    // refused or not confirmed in time.
    ingest_status flush(ingest_error* error);

    const std::string& topic() const { return topic_; }

   private:
    std::string bootstrap_;
    std::string topic_;
    std::string connector_;
    const std::atomic<bool>& stopping_;
    std::unique_ptr<kafka::Producer> producer_;
    std::string refusal_;  // first delivery failure since the last flush
};

}  // namespace ingest::pipeline
