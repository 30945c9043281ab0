#include "pipeline/dead_letter_queue.hpp"

#include <cstdio>
#include <utility>

namespace ingest::pipeline {
namespace {

void fill(ingest_error* error, const std::string& message) {
    std::snprintf(error->message, sizeof error->message, "%s", message.c_str());
}

ingest_bytes bytes(const std::string& text) { return {text.data(), text.size()}; }

}  // namespace

DeadLetterQueue::DeadLetterQueue(std::string bootstrap, kafka::Properties overrides, std::string topic,
                                 std::string connector, const std::atomic<bool>& stopping)
    : bootstrap_(std::move(bootstrap)),
      overrides_(std::move(overrides)),
      topic_(std::move(topic)),
      connector_(std::move(connector)),
      stopping_(stopping) {}

ingest_status DeadLetterQueue::check_extra_headers(std::span<const ingest_header> extra, ingest_error* error) {
    for (const ingest_header& header : extra) {
        if (!header.key) {
            fill(error, "a dead-letter header without a key");
            return INGEST_FATAL;
        }
        if (std::string_view(header.key).starts_with(kReservedHeaderPrefix)) {
            fill(error, "dead-letter header '" + std::string(header.key) + "' is reserved: keys starting with '" +
                            std::string(kReservedHeaderPrefix) + "' are the runner's");
            return INGEST_FATAL;
        }
    }
    return INGEST_OK;
}

ingest_status DeadLetterQueue::send(const ingest_record& record, const char* reason,
                                    std::span<const ingest_header> extra, ingest_error* error) {
    if (check_extra_headers(extra, error) != INGEST_OK) return INGEST_FATAL;
    try {
        if (!producer_)
            producer_ = std::make_unique<kafka::Producer>(bootstrap_, overrides_,
                                                          [this](const kafka::Delivery& delivery) {
                                                              if (!delivery.ok() && refusal_.empty())
                                                                  refusal_ = delivery.error;
                                                          });
        const std::string original_topic = record.topic;
        const std::string partition = std::to_string(record.partition);
        const std::string offset = std::to_string(record.offset);
        const std::string reason_text = reason ? reason : "";
        // Kafka Connect's header names, then the plugin's.
        headers_.assign({
            {"__connect.errors.topic", bytes(original_topic)},
            {"__connect.errors.partition", bytes(partition)},
            {"__connect.errors.offset", bytes(offset)},
            {"__connect.errors.connector.name", bytes(connector_)},
            {"__connect.errors.exception.message", bytes(reason_text)},
        });
        headers_.insert(headers_.end(), extra.begin(), extra.end());
        if (producer_->produce(topic_, INGEST_PARTITION_ANY, record.key, record.value, headers_.data(),
                               headers_.size(), 0, &stopping_))
            return INGEST_OK;
        fill(error, "stopping while the dead-letter queue was full");
    } catch (const std::exception& e) {
        fill(error, e.what());
    }
    return INGEST_RETRIABLE;
}

ingest_status DeadLetterQueue::flush(ingest_error* error) {
    if (!producer_) return INGEST_OK;
    producer_->flush(kFlushDeadline);
    std::string problem = std::exchange(refusal_, {});
    if (problem.empty() && producer_->in_flight() > 0)
        problem = std::to_string(producer_->in_flight()) + " records not confirmed within " +
                  std::to_string(kFlushDeadline.count()) + " s";
    if (problem.empty()) return INGEST_OK;
    fill(error, "dead-letter topic '" + topic_ + "': " + problem);
    return INGEST_RETRIABLE;
}

}  // namespace ingest::pipeline
