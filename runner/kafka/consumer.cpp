#include "kafka/consumer.hpp"

#include "log/logging.hpp"

namespace ingest::kafka {
Consumer::Consumer(const std::string& bootstrap, const std::string& group, const Properties& overrides,
                   RebalanceListener& listener)
    : listener_(listener), group_(group) {
    const Properties defaults = {
        {"session.timeout.ms", "6000"},
        {"heartbeat.interval.ms", "1000"},
        {"max.poll.interval.ms", "300000"},
        {"fetch.wait.max.ms", "100"},
        // Prefetch is bounded by bytes (8 MiB: about a quarter of a second of a 100k records/s
        // stream), not by count: with librdkafka's per-partition count (100,000) reached first, a
        // partition's fetching stopped until its broker thread next woke up, and a sink saw a
        // short batch and then nothing for 200-450 ms, several times per million records. Once the
        // bound is reached, poll() wakes the broker threads when the queue is drained
        // (fetch_wake.hpp): without that, 8 MiB drained a backlog at half the speed, and 16 MiB
        // cost the benchmark's runner (two consumers) some 25 MiB more at its peak for no speed
        // (docs/benchmarks.md).
        {"queued.min.messages", "1000000"},
        {"queued.max.messages.kbytes", "8192"},
        // That bound is checked before a fetch is sent, and a response may add up to
        // fetch.max.bytes more (compressed: several times that once decompressed, and each queued
        // record costs librdkafka about three times its value). librdkafka's 50 MiB default let
        // one response add tens of MiB over the bound; 1 MiB per response (256 KiB a partition)
        // keeps the overshoot small at no cost in speed on the benchmark's broker (40 MiB less
        // peak memory for its two consumers, docs/benchmarks.md). A record larger than either is
        // still fetched: librdkafka then returns it whole.
        {"fetch.max.bytes", "1048576"},
        {"fetch.message.max.bytes", "262144"},
        // A subscribed topic the broker does not list yet (just created, its metadata not yet
        // everywhere) is only looked up again at the next metadata refresh: librdkafka's 5-minute
        // default left a validator unassigned from its dead-letter topic for minutes.
        {"topic.metadata.refresh.interval.ms", "5000"},
    };
    const Properties guarantees = {
        {"bootstrap.servers", bootstrap},
        {"group.id", group},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        // Never reset silently: an unknown position is resolved explicitly on assignment, so a
        // reset request can only mean the position fell off the log (retention) — an error.
        {"auto.offset.reset", "error"},
    };
    Conf conf = client_conf(defaults, overrides, guarantees);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &Consumer::on_rebalance);
    // The bound as the client will use it (a connector may override the default above).
    char bound_kib[32];
    size_t size = sizeof bound_kib;
    if (rd_kafka_conf_get(conf.get(), "queued.max.messages.kbytes", bound_kib, &size) != RD_KAFKA_CONF_OK)
        throw KafkaError("cannot read the consumer's queued.max.messages.kbytes");
    wake_ = FetchWake(std::stoull(bound_kib) * 1024);
    handle_ = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
    rd_kafka_poll_set_consumer(handle_.get());
    consumer_queue_.reset(rd_kafka_queue_get_consumer(handle_.get()));
    wake_answers_.reset(rd_kafka_queue_new(handle_.get()));
}

Consumer::~Consumer() {
    try {
        close();
    } catch (const std::exception& error) {
        log::warn("kafka") << "closing consumer: " << error.what();
    }
    if (left_group_) return;
    // Queues first: they hold the handle.
    wake_answers_.reset();
    consumer_queue_.reset();
    destroy_without_leaving(std::move(handle_));
}

void Consumer::subscribe(const std::vector<std::string>& topics) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
    for (const auto& topic : topics)
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(handle_.get(), list.get()))
        throw KafkaError("cannot subscribe: " + error_text(err));
}

ConsumerEvent Consumer::poll(int timeout_ms) {
    rd_kafka_message_t* polled = rd_kafka_consumer_poll(handle_.get(), timeout_ms);
    if (polled && !polled->err) wake_fetchers_if_due(polled->len + polled->key_len);
    ConsumerEvent event = ConsumerEvent::from(polled);
    if (assignment_failure_.empty()) return event;
    // The rebalance callback ran inside that poll and left its partitions unassigned: without
    // this the task would sit there consuming nothing, with one error line in the log.
    ConsumerEvent failure;
    failure.kind = ConsumerEvent::Kind::fatal_error;
    failure.text = assignment_failure_;
    return failure;
}

void Consumer::wake_fetchers_if_due(size_t message_bytes) {
    if (!wake_.after_message(message_bytes, static_cast<size_t>(rd_kafka_queue_length(consumer_queue_.get()))))
        return;
    // The answers of earlier wake-ups: nothing in them matters.
    while (rd_kafka_event_t* answer = rd_kafka_queue_poll(wake_answers_.get(), 0)) rd_kafka_event_destroy(answer);
    // Any request wakes its broker's thread (fetch_wake.hpp); listing the groups is a small one,
    // and it goes to every broker.
    rd_kafka_ListConsumerGroups(handle_.get(), nullptr, wake_answers_.get());
}

void Consumer::apply_pause(bool pause, const std::vector<PartitionOffset>& partitions) {
    if (partitions.empty()) return;
    PartitionList list = to_list(partitions);
    auto err = pause ? rd_kafka_pause_partitions(handle_.get(), list.get())
                     : rd_kafka_resume_partitions(handle_.get(), list.get());
    if (err) throw KafkaError(std::string(pause ? "cannot pause" : "cannot resume") + " partitions: " + error_text(err));
}

void Consumer::pause() {
    if (paused_) return;
    apply_pause(true, assignment());
    paused_ = true;
}

void Consumer::resume() {
    if (!paused_) return;
    apply_pause(false, assignment());
    paused_ = false;
}

std::pair<int64_t, int64_t> Consumer::watermarks(const std::string& topic, int32_t partition) const {
    return kafka::watermarks(handle_.get(), topic, partition);
}

std::optional<int64_t> Consumer::cached_high_watermark(const std::string& topic, int32_t partition) const {
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(handle_.get(), topic.c_str(), partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0)
        return std::nullopt;
    return high;
}

std::vector<PartitionOffset> Consumer::committed_or_beginning(std::vector<PartitionOffset> partitions) {
    std::vector<PartitionOffset> unknown;
    for (const auto& p : partitions)
        if (p.offset == RD_KAFKA_OFFSET_INVALID) unknown.push_back(p);
    if (!unknown.empty()) {
        PartitionList list = to_list(unknown);
        if (auto err = rd_kafka_committed(handle_.get(), list.get(), 10000))
            throw KafkaError("cannot read committed offsets: " + error_text(err));
        auto committed = from_list(list.get());
        for (auto& p : partitions)
            for (const auto& c : committed)
                if (p.offset == RD_KAFKA_OFFSET_INVALID && c.topic == p.topic && c.partition == p.partition)
                    p.offset = c.offset >= 0 ? c.offset : RD_KAFKA_OFFSET_BEGINNING;
    }
    return partitions;
}

void Consumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<Consumer*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        auto assigned = from_list(partitions);
        for (auto& p : assigned) p.offset = RD_KAFKA_OFFSET_INVALID;
        self->assignment_failure_.clear();
        // Consuming from a guessed position would break the sink's guarantee: on any failure
        // nothing is assigned, and the next poll() reports it as fatal (the listener's own
        // message as it is, the consumer's lookups named as such).
        bool listener_done = false;
        try {
            self->listener_.on_assigned(assigned);
            listener_done = true;
            assigned = self->committed_or_beginning(std::move(assigned));
            // "From the beginning" is assigned as the log start offset itself. Left logical,
            // librdkafka queries it when fetching starts, and a partition whose leader it has not
            // attached yet (a topic just created) retries that query only after 500 ms: its
            // first records waited half a second longer than the others' (docs/benchmarks.md).
            for (auto& p : assigned)
                if (p.offset == RD_KAFKA_OFFSET_BEGINNING) p.offset = self->watermarks(p.topic, p.partition).first;
        } catch (const std::exception& error) {
            log::error("kafka") << "partition assignment failed: " << error.what();
            self->assignment_failure_ =
                listener_done ? std::string("partition assignment failed: ") + error.what() : error.what();
            rd_kafka_assign(rk, nullptr);
            return;
        }
        PartitionList list = to_list(assigned);
        rd_kafka_assign(rk, list.get());
        // A paused consumer stays paused across rebalances: new partitions start paused too. And
        // the other way round: librdkafka keeps a partition's pause through a revocation and a
        // new assignment, so one paused before a rebalance (a batch waiting for its retry) and
        // resumed while nothing was assigned would never be fetched again.
        if (self->paused_)
            rd_kafka_pause_partitions(rk, list.get());
        else
            rd_kafka_resume_partitions(rk, list.get());
    } else {
        self->listener_.on_revoked(from_list(partitions));
        rd_kafka_assign(rk, nullptr);
    }
}

void Consumer::commit(const std::vector<PartitionOffset>& offsets) {
    if (offsets.empty()) return;
    PartitionList list = to_list(offsets);
    auto err = rd_kafka_commit(handle_.get(), list.get(), 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        throw KafkaError("cannot commit offsets: " + error_text(err));
}

void Consumer::close() {
    if (closed_ || !handle_) return;
    closed_ = true;
    left_group_ = close_consumer(handle_.get(), group_, &Consumer::on_rebalance, this);
}

std::vector<PartitionOffset> Consumer::assignment() const {
    rd_kafka_topic_partition_list_t* list = nullptr;
    if (rd_kafka_assignment(handle_.get(), &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
    PartitionList owned(list);
    return from_list(list);
}


}  // namespace ingest::kafka
