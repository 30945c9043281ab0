// One partition of a compacted topic as a replicated key-value log (Kafka Connect's
// KafkaBasedLog): every worker of a cluster reads it from the start and follows it, handing each
// record to `apply` in log order, and writes to it through an idempotent producer. Cluster mode
// keeps its connector configs and its statuses this way (cluster/).
#pragma once

#include "kafka/client.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ingest::kafka {

class CompactedLog {
   public:
    // A record: its key and its value, nullopt for a tombstone (the key was deleted).
    using Apply = std::function<void(const std::string& key, const std::optional<std::string>& value)>;

    // Reads `topic`'s partition 0 from its start to its end before it returns, then follows it on a
    // thread of its own (the topic exists and has a ready leader: kafka::ensure_topics); `apply` is called on that thread (and, until the end, on the caller's).
    // Throws KafkaError when the log cannot be read to its end within `timeout`.
    CompactedLog(const std::string& bootstrap, std::string topic, Apply apply,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // stop()
    ~CompactedLog();
    CompactedLog(const CompactedLog&) = delete;
    CompactedLog& operator=(const CompactedLog&) = delete;

    // Appends a record and waits until the broker has it (acks=all); nullopt writes a tombstone.
    // Throws KafkaError. With `wait_applied`, returns only once this reader has applied it too
    // (read your own write).
    void write(const std::string& key, const std::optional<std::string>& value, bool wait_applied = true);
    void stop();

   private:
    void follow();
    void poll_once(int timeout_ms);  // applies at most one record

    const std::string topic_;
    const Apply apply_;
    Handle consumer_;
    Handle producer_;
    std::mutex write_mutex_;  // one write at a time: its delivery report is served by its own flush
    std::mutex applied_mutex_;
    std::condition_variable applied_changed_;
    int64_t applied_ = 0;  // next offset to apply
    std::atomic<bool> stopping_{false};
    std::thread follower_;
};

}  // namespace ingest::kafka
