#include "kafka/compacted_log.hpp"

#include "log/logging.hpp"

namespace ingest::kafka {
namespace {

// What a write's delivery report says: the record's offset, or why it was not written.
struct Delivery {
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
    int64_t offset = -1;
    bool done = false;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
    auto* delivery = static_cast<Delivery*>(message->_private);
    if (!delivery) return;
    delivery->error = message->err;
    delivery->offset = message->offset;
    delivery->done = true;
}

}  // namespace

CompactedLog::CompactedLog(const std::string& bootstrap, std::string topic, Apply apply,
                           std::chrono::milliseconds timeout)
    : topic_(std::move(topic)), apply_(std::move(apply)) {
    // The reader assigns the partition itself and never commits: the group id only lets it poll.
    consumer_ = make_handle(RD_KAFKA_CONSUMER,
                            client_conf({{"fetch.wait.max.ms", "100"}}, {},
                                        {{"bootstrap.servers", bootstrap},
                                         {"group.id", "ingest-reader-" + topic_},
                                         {"enable.auto.commit", "false"},
                                         {"enable.auto.offset.store", "false"},
                                         {"enable.partition.eof", "false"},
                                         {"auto.offset.reset", "earliest"}}));
    rd_kafka_poll_set_consumer(consumer_.get());
    // A config change is written rarely and must never be lost or reordered: idempotent, acks=all.
    Conf conf = client_conf({{"linger.ms", "0"}}, {},
                            {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"acks", "all"}});
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &on_delivery);
    producer_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto [low, high] = watermarks(consumer_.get(), topic_, 0, static_cast<int>(timeout.count()));
    PartitionList start = to_list({{topic_, 0, low}});
    if (auto error = rd_kafka_assign(consumer_.get(), start.get()))
        throw KafkaError("cannot read topic '" + topic_ + "': " + error_text(error));
    {
        std::lock_guard lock(applied_mutex_);
        applied_ = low;
    }
    while (true) {
        {
            std::lock_guard lock(applied_mutex_);
            if (applied_ >= high) break;
        }
        if (std::chrono::steady_clock::now() > deadline)
            throw KafkaError("topic '" + topic_ + "' could not be read to its end (offset " + std::to_string(high) +
                             ") within " + std::to_string(timeout.count()) + " ms" + last_error_note(consumer_.get()));
        poll_once(100);
    }
    follower_ = std::thread(&CompactedLog::follow, this);
}

CompactedLog::~CompactedLog() { stop(); }

void CompactedLog::stop() {
    stopping_ = true;
    if (follower_.joinable()) follower_.join();
    applied_changed_.notify_all();
}

void CompactedLog::poll_once(int timeout_ms) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_.get(), timeout_ms);
    if (!message) return;
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owned(message, &rd_kafka_message_destroy);
    if (message->err) {
        log::warn("cluster") << "reading topic '" << topic_ << "': " << rd_kafka_message_errstr(message);
        return;
    }
    const std::string key(static_cast<const char*>(message->key), message->key_len);
    std::optional<std::string> value;
    if (message->payload) value.emplace(static_cast<const char*>(message->payload), message->len);
    try {
        apply_(key, value);
    } catch (const std::exception& error) {
        // One bad record must not stop the log: every worker skips it alike.
        log::error("cluster") << "topic '" << topic_ << "' offset " << message->offset << " key '" << key
                              << "' was not applied: " << error.what();
    }
    {
        std::lock_guard lock(applied_mutex_);
        applied_ = message->offset + 1;
    }
    applied_changed_.notify_all();
}

void CompactedLog::follow() {
    while (!stopping_) poll_once(100);
}

void CompactedLog::write(const std::string& key, const std::optional<std::string>& value, bool wait_applied) {
    std::unique_lock writing(write_mutex_);
    Delivery delivery;
    void* payload = value ? const_cast<char*>(value->data()) : nullptr;  // null: a tombstone
    const size_t size = value ? value->size() : 0;
    const auto error = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(payload, size),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&delivery), RD_KAFKA_V_END);
    if (error) throw KafkaError("cannot write '" + key + "' to topic '" + topic_ + "': " + error_text(error));
    // flush() serves the delivery reports of every write in flight, this one's included.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!delivery.done && std::chrono::steady_clock::now() < deadline) rd_kafka_flush(producer_.get(), 100);
    if (!delivery.done)
        throw KafkaError("writing '" + key + "' to topic '" + topic_ + "' was not confirmed within 30 s" +
                         last_error_note(producer_.get()));
    if (delivery.error)
        throw KafkaError("cannot write '" + key + "' to topic '" + topic_ + "': " + error_text(delivery.error));
    writing.unlock();
    if (!wait_applied) return;
    std::unique_lock lock(applied_mutex_);
    if (!applied_changed_.wait_until(lock, deadline, [&] { return applied_ > delivery.offset || stopping_; }))
        throw KafkaError("'" + key + "' was written to topic '" + topic_ + "' but not read back within 30 s");
}

}  // namespace ingest::kafka
