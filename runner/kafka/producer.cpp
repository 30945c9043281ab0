#include "kafka/producer.hpp"

#include "kafka/admin.hpp"

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

void Producer::on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    self->on_delivery_({reinterpret_cast<uint64_t>(message->_private), message->partition, message->offset,
                        message->err == RD_KAFKA_RESP_ERR_NO_ERROR ? std::string() : error_text(message->err)});
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
        rd_kafka_resp_err_t err = rd_kafka_producev(
            handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(const_cast<char*>(key.data), key.data ? key.size : 0),
            RD_KAFKA_V_VALUE(const_cast<char*>(value.data), value.data ? value.size : 0),
            RD_KAFKA_V_HEADERS(kafka_headers),
            RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(correlation)), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
        if (kafka_headers) rd_kafka_headers_destroy(kafka_headers);  // still ours after a failure
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            throw KafkaError("cannot produce to topic '" + topic + "': " + error_text(err));
        if (stopping && stopping->load()) return false;
        poll(50);  // back-pressure: the queue drains as the broker confirms
    }
}

void Producer::poll(int timeout_ms) { rd_kafka_poll(handle_.get(), timeout_ms); }

void Producer::flush(std::chrono::milliseconds timeout) {
    rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));  // outcome: see in_flight()
}

int Producer::in_flight() const { return rd_kafka_outq_len(handle_.get()); }

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
