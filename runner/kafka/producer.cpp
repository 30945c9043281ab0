#include "kafka/producer.hpp"

#include "kafka/admin.hpp"
#include "log/logging.hpp"

#include <algorithm>

namespace ingest::kafka {

Producer::Producer(const std::string& bootstrap, const Properties& overrides, DeliveryHandler on_delivery)
    : on_delivery_(std::move(on_delivery)) {
    const Properties defaults = {
        {"compression.codec", "lz4"},
        {"linger.ms", "5"},
        {"batch.num.messages", "10000"},
        {"queue.buffering.max.messages", "200000"},
        {"queue.buffering.max.kbytes", "262144"},
    };
    const Properties guarantees = {
        {"bootstrap.servers", bootstrap},
        {"enable.idempotence", "true"},
        {"acks", "all"},
    };
    Conf conf = client_conf(defaults, overrides, guarantees);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery_report);
    handle_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
}

// A success without an offset is librdkafka's implicit acknowledgement (rd_kafka_dr_implicit_ack,
// debug context IMPLICITACK): a batch that failed was requeued for a retry, a later batch of the
// same partition succeeded, and librdkafka then reports the earlier one as delivered, assuming it
// was stored. On a partition without state for this producer id (a new topic, or a new producer)
// the broker accepts the later batch whatever its sequence number, so the earlier one may have been
// refused (NOT_LEADER_FOR_PARTITION on a partition whose leader was not ready yet) and never stored.
// (The same report follows DUPLICATE_SEQUENCE_NUMBER, for a batch stored before.) Either way the
// record's position is unknown: it is sent again, at least once, as a restarted source would.
void Producer::on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    const auto correlation = reinterpret_cast<uint64_t>(message->_private);
    const bool delivered = message->err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (delivered && message->offset < 0) {
        int& resent = self->resends_[correlation];
        if (resent < kMaxResends) {
            ++resent;
            Unplaced record{rd_kafka_topic_name(message->rkt), message->partition, std::nullopt, std::nullopt,
                            nullptr, correlation};
            if (message->key) record.key.emplace(static_cast<const char*>(message->key), message->key_len);
            if (message->payload) record.value.emplace(static_cast<const char*>(message->payload), message->len);
            rd_kafka_headers_t* headers = nullptr;
            if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR)
                record.headers.reset(rd_kafka_headers_copy(headers));
            self->unplaced_.push_back(std::move(record));
            return;
        }
        self->resends_.erase(correlation);
        self->on_delivery_({correlation, message->partition, message->offset,
                            "the broker acknowledged the record " + std::to_string(kMaxResends + 1) +
                                " times without an offset: whether and where it is stored is unknown"});
        return;
    }
    if (!self->resends_.empty()) self->resends_.erase(correlation);
    self->on_delivery_({correlation, message->partition, message->offset,
                        delivered ? std::string() : error_text(message->err)});
}

rd_kafka_resp_err_t Producer::send(const std::string& topic, int32_t partition, const char* key, size_t key_size,
                                   const char* value, size_t value_size, rd_kafka_headers_t* headers,
                                   uint64_t correlation) {
    return rd_kafka_producev(handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(const_cast<char*>(key), key ? key_size : 0),
                             RD_KAFKA_V_VALUE(const_cast<char*>(value), value ? value_size : 0),
                             RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(correlation)),
                             RD_KAFKA_V_END);
}

void Producer::resend_unplaced() {
    if (unplaced_.empty()) return;
    log::warn("kafka") << unplaced_.size() << " record(s) confirmed by librdkafka without an offset (acknowledged "
                       << "implicitly after a retried request; they may not be stored): sending them again";
    size_t sent = 0;
    for (; sent < unplaced_.size(); ++sent) {
        Unplaced& record = unplaced_[sent];
        rd_kafka_headers_t* headers = record.headers ? rd_kafka_headers_copy(record.headers.get()) : nullptr;
        rd_kafka_resp_err_t err =
            send(record.topic, record.partition, record.key ? record.key->data() : nullptr,
                 record.key ? record.key->size() : 0, record.value ? record.value->data() : nullptr,
                 record.value ? record.value->size() : 0, headers, record.correlation);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        if (headers) rd_kafka_headers_destroy(headers);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) break;  // the rest waits for the next poll
        resends_.erase(record.correlation);
        on_delivery_({record.correlation, record.partition, RD_KAFKA_OFFSET_INVALID,
                      "cannot send again a record confirmed without an offset: " + error_text(err)});
    }
    unplaced_.erase(unplaced_.begin(), unplaced_.begin() + static_cast<std::ptrdiff_t>(sent));
}

bool Producer::produce(const std::string& topic, int32_t partition, ingest_bytes key, ingest_bytes value,
                       const ingest_header* headers, size_t header_count, uint64_t correlation,
                       const std::atomic<bool>* stopping) {
    while (true) {
        rd_kafka_headers_t* kafka_headers = nullptr;
        if (header_count > 0) {
            kafka_headers = rd_kafka_headers_new(header_count);
            for (size_t i = 0; i < header_count; ++i)
                rd_kafka_header_add(kafka_headers, headers[i].key, -1, headers[i].value.data,
                                    static_cast<ssize_t>(headers[i].value.size));
        }
        rd_kafka_resp_err_t err = send(topic, partition, key.data, key.size, value.data, value.size, kafka_headers,
                                       correlation);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
        if (kafka_headers) rd_kafka_headers_destroy(kafka_headers);  // still ours after a failure
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            throw KafkaError("cannot produce to topic '" + topic + "': " + error_text(err));
        if (stopping && stopping->load()) return false;
        poll(50);  // back-pressure: the queue drains as the broker confirms
    }
}

void Producer::poll(int timeout_ms) {
    rd_kafka_poll(handle_.get(), timeout_ms);
    resend_unplaced();
}

void Producer::flush(std::chrono::milliseconds timeout) {
    // Records sent again during the flush are waited for too; the outcome: see in_flight().
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        rd_kafka_flush(handle_.get(), static_cast<int>(std::max<int64_t>(left.count(), 0)));
        resend_unplaced();
        if (in_flight() == 0 || std::chrono::steady_clock::now() >= deadline) return;
    }
}

int Producer::in_flight() const { return rd_kafka_outq_len(handle_.get()) + static_cast<int>(unplaced_.size()); }

std::optional<std::string> Producer::fatal_error() const {
    char reason[512];
    rd_kafka_resp_err_t err = rd_kafka_fatal_error(handle_.get(), reason, sizeof reason);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
    return error_text(err) + ": " + reason;
}

std::pair<int64_t, int64_t> Producer::watermarks(const std::string& topic, int32_t partition) const {
    return kafka::watermarks(handle_.get(), topic, partition);
}

int Producer::fetch_metadata(const std::string& topic) const { return partition_count(handle_.get(), topic); }

}  // namespace ingest::kafka
