// The one place where what a consumer returns becomes something the pipeline understands: a
// consumed message becomes the plugin ABI's `ingest_record` (headers included), and an error event
// is classified (ignore, transient, fatal). No librdkafka type is needed outside runner/kafka/.
#pragma once

#include "kafka/client.hpp"

#include <ingest/plugin_abi.h>

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace ingest::kafka {

struct TopicPartition {
    std::string topic;
    int32_t partition = 0;
    auto operator<=>(const TopicPartition&) const = default;
};

// One consumed message, owned: freed with this object.
class ConsumedMessage {
   public:
    ConsumedMessage() = default;
    const char* topic() const;
    int32_t partition() const;
    int64_t offset() const;
    TopicPartition where() const { return {topic(), partition()}; }

   private:
    friend class RecordBatch;
    friend struct ConsumerEvent;
    struct Deleter {
        void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
    };
    explicit ConsumedMessage(rd_kafka_message_t* message) : message_(message) {}
    std::unique_ptr<rd_kafka_message_t, Deleter> message_;
};

// What one consumer poll produced.
struct ConsumerEvent {
    enum class Kind {
        none,             // nothing within the timeout
        message,          // a record: `message`
        ignorable,        // informational (end of partition)
        transient_error,  // worth a warning; the client recovers by itself
        position_lost,    // the partition's position fell off the log start: records were deleted
                          // (retention) before this consumer read them; `partition` names it
        fatal_error,      // the task cannot go on (fatal client error)
    };
    Kind kind = Kind::none;
    ConsumedMessage message;
    std::string text;  // errors: what happened, naming the partition when there is one
    std::optional<TopicPartition> partition;  // position_lost: where

    // Classifies librdkafka's poll result and takes ownership of it (nullptr: Kind::none).
    static ConsumerEvent from(rd_kafka_message_t* polled);
};

// Consumed messages waiting for put(), and their ABI views.
class RecordBatch {
   public:
    void add(ConsumedMessage message);
    bool empty() const { return messages_.empty(); }
    size_t size() const { return messages_.size(); }
    void clear();
    // Forgets the records of these partitions (revoked: their next owner reads them again).
    void drop(const std::set<TopicPartition>& partitions);

    // The batch as plugin records, in consumption order; valid until the batch changes.
    std::span<const ingest_record> records();
    // Per partition, the offset after the batch's last record of it.
    std::map<TopicPartition, int64_t> next_offsets() const;

   private:
    std::vector<ConsumedMessage> messages_;
    std::vector<ingest_record> records_;
    std::vector<ingest_header> headers_;
    bool views_current_ = false;
};

}  // namespace ingest::kafka
