#include "kafka/record_adapter.hpp"

#include <algorithm>

namespace ingest::kafka {

const char* ConsumedMessage::topic() const { return rd_kafka_topic_name(message_->rkt); }
int32_t ConsumedMessage::partition() const { return message_->partition; }
int64_t ConsumedMessage::offset() const { return message_->offset; }

ConsumerEvent ConsumerEvent::from(rd_kafka_message_t* polled) {
    ConsumerEvent event;
    if (!polled) return event;
    event.message = ConsumedMessage(polled);
    if (polled->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        event.kind = Kind::message;
        return event;
    }
    std::string where = polled->rkt ? std::string(rd_kafka_topic_name(polled->rkt)) + "/" +
                                          std::to_string(polled->partition)
                                    : std::string("consumer");
    std::string text = rd_kafka_message_errstr(polled);
    switch (polled->err) {
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            event.kind = Kind::ignorable;
            event.text = where + ": end of partition";
            break;
        case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
        case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
            // Retention (or the mock's 5 MiB cap) removed records this sink never saw. Resetting
            // would skip them silently; the sink loop reports the loss and stops.
            event.kind = polled->rkt ? Kind::position_lost : Kind::fatal_error;
            if (polled->rkt) event.partition = TopicPartition{rd_kafka_topic_name(polled->rkt), polled->partition};
            event.text = where + ": consumer position is outside the log: " + text;
            break;
        case RD_KAFKA_RESP_ERR__FATAL:
            event.kind = Kind::fatal_error;
            event.text = "consumer fatal error: " + text;
            break;
        default:
            event.kind = Kind::transient_error;
            event.text = where + ": " + error_text(polled->err) + " (" + text + ")";
    }
    event.message = ConsumedMessage();  // an error event carries no record
    return event;
}

void RecordBatch::add(ConsumedMessage message) {
    messages_.push_back(std::move(message));
    views_current_ = false;
}

void RecordBatch::clear() {
    messages_.clear();
    views_current_ = false;
}

void RecordBatch::drop(const std::set<TopicPartition>& partitions) {
    std::erase_if(messages_, [&](const ConsumedMessage& m) { return partitions.count(m.where()) > 0; });
    views_current_ = false;
}

std::span<const ingest_record> RecordBatch::records() {
    if (views_current_) return records_;
    records_.clear();
    headers_.clear();
    // Headers of all records in one array, so that each record's pointer is taken once it is final.
    std::vector<std::pair<size_t, size_t>> header_ranges;
    records_.reserve(messages_.size());
    header_ranges.reserve(messages_.size());
    for (const auto& owned : messages_) {
        const rd_kafka_message_t* m = owned.message_.get();
        size_t first = headers_.size();
        rd_kafka_headers_t* kafka_headers = nullptr;
        // The header list stays owned by the message; rd_kafka_message_headers only parses it.
        if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(m), &kafka_headers) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* name;
            const void* value;
            size_t size;
            for (size_t i = 0; rd_kafka_header_get_all(kafka_headers, i, &name, &value, &size) ==
                               RD_KAFKA_RESP_ERR_NO_ERROR;
                 ++i)
                headers_.push_back({name, {static_cast<const char*>(value), size}});
        }
        header_ranges.emplace_back(first, headers_.size() - first);
        rd_kafka_timestamp_type_t type;
        records_.push_back({rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                            rd_kafka_message_timestamp(m, &type),
                            {static_cast<const char*>(m->key), m->key_len},
                            {static_cast<const char*>(m->payload), m->len}, nullptr, 0});
    }
    for (size_t i = 0; i < records_.size(); ++i) {
        records_[i].headers = header_ranges[i].second ? &headers_[header_ranges[i].first] : nullptr;
        records_[i].header_count = header_ranges[i].second;
    }
    views_current_ = true;
    return records_;
}

std::map<TopicPartition, int64_t> RecordBatch::next_offsets() const {
    std::map<TopicPartition, int64_t> next;
    for (const auto& m : messages_) {
        int64_t& offset = next[m.where()];
        offset = std::max(offset, m.offset() + 1);
    }
    return next;
}

}  // namespace ingest::kafka
