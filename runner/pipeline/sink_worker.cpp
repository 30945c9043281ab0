#include "pipeline/sink_worker.hpp"

#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"
#include "log/logging.hpp"
#include "pipeline/plugin_task.hpp"
#include "pipeline/retry.hpp"

#include <chrono>
#include <map>
#include <set>
#include <utility>

namespace ingest::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using PartitionKey = std::pair<std::string, int32_t>;

// How often progress is committed to the consumer group (for lag monitoring, and as the resume
// point of sinks that do not own their offsets).
constexpr auto kCommitInterval = std::chrono::seconds(5);
constexpr auto kDeadLetterDeadline = std::chrono::seconds(30);

class FailedTask : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

class SinkRunner : public kafka::RebalanceListener {
   public:
    SinkRunner(const TaskSettings& settings, StatusBoard& board, const std::atomic<bool>& stop)
        : settings_(settings),
          connector_(settings.connector),
          board_(board),
          stop_(stop),
          api_(settings.library->descriptor().sink),
          batch_max_records_(static_cast<size_t>(connector_.runner_int("batch.max.records"))),
          batch_max_ms_(connector_.runner_int("batch.max.ms")) {}

    void run();
    // Closes the consumer (revoking, so the task commits and closes its partitions), then stops
    // the task. Runs after run() returned or threw.
    void shutdown();

    void on_assigned(std::vector<kafka::PartitionOffset>& partitions) override;
    void on_revoked(const std::vector<kafka::PartitionOffset>& partitions) override;

   private:
    std::string label() const { return settings_.label(); }
    HostServices services();
    void handle_error_message(const rd_kafka_message_t& message);
    void deliver_batch();
    void commit_progress(const std::set<PartitionKey>* only = nullptr);
    ingest_status dead_letter(const ingest_record& record, const char* reason, ingest_error* error);
    ingest_status flush_dead_letters(ingest_error* error);

    const TaskSettings& settings_;
    const config::ConnectorConfig& connector_;
    StatusBoard& board_;
    const std::atomic<bool>& stop_;
    const ingest_sink_api* api_;
    const size_t batch_max_records_;
    const long long batch_max_ms_;

    std::unique_ptr<PluginTask> task_;
    std::unique_ptr<kafka::Consumer> consumer_;
    std::unique_ptr<kafka::Producer> dead_letters_;
    std::string dead_letter_error_;

    std::vector<kafka::Message> batch_;
    std::map<PartitionKey, int64_t> next_offsets_;  // after the last successful put()
    std::string failure_;                          // set inside librdkafka callbacks
    uint64_t records_delivered_ = 0;
};

HostServices SinkRunner::services() {
    HostServices services;
    services.dead_letter = [this](const ingest_record& record, const char* reason, ingest_error* error) {
        return dead_letter(record, reason, error);
    };
    services.flush_dead_letters = [this](ingest_error* error) { return flush_dead_letters(error); };
    services.watermarks = [this](const std::string& topic, int32_t partition) {
        return kafka::watermarks(consumer_->handle(), topic, partition);
    };
    services.report_verdict = [this](bool ok, const std::string& summary) {
        board_.set_verdict(connector_.name, settings_.task_id, ok, summary);
    };
    return services;
}

ingest_status SinkRunner::dead_letter(const ingest_record& record, const char* reason, ingest_error* error) {
    if (!dead_letters_)
        dead_letters_ = std::make_unique<kafka::Producer>(
            settings_.bootstrap, kafka::Properties{}, [this](const kafka::Delivery& delivery) {
                if (delivery.error != RD_KAFKA_RESP_ERR_NO_ERROR && dead_letter_error_.empty())
                    dead_letter_error_ = kafka::error_text(delivery.error);
            });
    // Kafka Connect's header names, so existing DLQ tooling reads ours.
    std::string partition = std::to_string(record.partition);
    std::string offset = std::to_string(record.offset);
    const std::string topic = record.topic;
    std::string reason_text = reason;
    auto bytes = [](const std::string& text) { return ingest_bytes{text.data(), text.size()}; };
    ingest_header headers[] = {
        {"__connect.errors.topic", bytes(topic)},
        {"__connect.errors.partition", bytes(partition)},
        {"__connect.errors.offset", bytes(offset)},
        {"__connect.errors.connector.name", bytes(connector_.name)},
        {"__connect.errors.exception.message", bytes(reason_text)},
    };
    try {
        if (dead_letters_->produce(connector_.dead_letter_topic(), RD_KAFKA_PARTITION_UA, record.key, record.value,
                                   headers, std::size(headers), 0, &stop_))
            return INGEST_OK;
        std::snprintf(error->message, sizeof error->message, "stopping while the dead-letter queue was full");
    } catch (const std::exception& e) {
        std::snprintf(error->message, sizeof error->message, "%s", e.what());
    }
    return INGEST_RETRIABLE;
}

ingest_status SinkRunner::flush_dead_letters(ingest_error* error) {
    if (!dead_letters_) return INGEST_OK;
    dead_letters_->flush(std::chrono::duration_cast<std::chrono::milliseconds>(kDeadLetterDeadline));
    std::string problem = std::exchange(dead_letter_error_, {});
    if (problem.empty() && dead_letters_->in_flight() > 0)
        problem = std::to_string(dead_letters_->in_flight()) + " records not confirmed within 30 s";
    if (problem.empty()) return INGEST_OK;
    std::snprintf(error->message, sizeof error->message, "dead-letter topic '%s': %s",
                  connector_.dead_letter_topic().c_str(), problem.c_str());
    return INGEST_RETRIABLE;
}

void SinkRunner::on_assigned(std::vector<kafka::PartitionOffset>& partitions) {
    std::vector<ingest_topic_partition> raw;
    for (const auto& p : partitions) raw.push_back({p.topic.c_str(), p.partition, INGEST_OFFSET_NONE});
    auto opened = task_->call("open", [&](void* handle, ingest_error* error) {
        return api_->open(handle, raw.data(), raw.size(), error);
    });
    if (!opened.ok()) {
        failure_ = "open: " + opened.message;
        throw FailedTask(failure_);
    }
    std::string where;
    for (size_t i = 0; i < partitions.size(); ++i) {
        int64_t stored = raw[i].offset;
        if (stored >= 0)
            partitions[i].offset = stored;
        else
            // A sink that owns its offsets and has none starts at the beginning, whatever the
            // group committed: its own store is the truth.
            partitions[i].offset = api_->owns_offsets ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_INVALID;
        where += " " + partitions[i].topic + "/" + std::to_string(partitions[i].partition) + "@" +
                 (stored >= 0 ? std::to_string(stored) : api_->owns_offsets ? "beginning" : "committed");
    }
    log::info(label()) << "assigned" << (where.empty() ? " nothing" : where);
}

void SinkRunner::on_revoked(const std::vector<kafka::PartitionOffset>& partitions) {
    std::set<PartitionKey> revoked;
    for (const auto& p : partitions) revoked.insert({p.topic, p.partition});
    // Records not yet handed to put() are dropped: the next owner resumes before them.
    std::erase_if(batch_, [&](const kafka::Message& m) {
        return revoked.count({rd_kafka_topic_name(m->rkt), m->partition}) > 0;
    });
    try {
        commit_progress(&revoked);
    } catch (const std::exception& e) {
        log::warn(label()) << "committing revoked partitions: " << e.what();
    }
    std::vector<ingest_topic_partition> raw;
    for (const auto& p : partitions) raw.push_back({p.topic.c_str(), p.partition, INGEST_OFFSET_NONE});
    auto closed = task_->call("close", [&](void* handle, ingest_error* error) {
        return api_->close(handle, raw.data(), raw.size(), error);
    });
    if (!closed.ok()) log::warn(label()) << "close: " << closed.message;
    for (const auto& key : revoked) next_offsets_.erase(key);
    log::info(label()) << "revoked " << partitions.size() << " partitions";
}

void SinkRunner::handle_error_message(const rd_kafka_message_t& message) {
    std::string where = message.rkt ? std::string(rd_kafka_topic_name(message.rkt)) + "/" +
                                           std::to_string(message.partition)
                                     : std::string("consumer");
    std::string text = rd_kafka_message_errstr(&message);
    switch (message.err) {
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            return;
        case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
        case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
            // Retention (or the mock's 5 MiB cap) removed records this sink never saw. Resetting
            // would skip them silently; stopping makes the loss visible.
            throw FailedTask(where + ": consumer position is outside the log (records were deleted by "
                                     "retention before this sink read them; refusing to reset): " + text);
        case RD_KAFKA_RESP_ERR__FATAL:
            throw FailedTask("consumer fatal error: " + text);
        default:
            log::warn(label()) << where << ": " << kafka::error_text(message.err) << " (" << text << ")";
    }
}

void SinkRunner::deliver_batch() {
    // Views into the consumer's messages; headers laid out in one array so pointers stay valid.
    std::vector<ingest_record> records;
    std::vector<ingest_header> headers;
    std::vector<std::pair<size_t, size_t>> header_ranges;
    records.reserve(batch_.size());
    for (const auto& m : batch_) {
        size_t first = headers.size();
        rd_kafka_headers_t* kafka_headers = nullptr;
        if (rd_kafka_message_headers(m.get(), &kafka_headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* name;
            const void* value;
            size_t size;
            for (size_t i = 0; rd_kafka_header_get_all(kafka_headers, i, &name, &value, &size) ==
                               RD_KAFKA_RESP_ERR_NO_ERROR;
                 ++i)
                headers.push_back({name, {static_cast<const char*>(value), size}});
        }
        header_ranges.emplace_back(first, headers.size() - first);
        rd_kafka_timestamp_type_t type;
        records.push_back({rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                           rd_kafka_message_timestamp(m.get(), &type),
                           {static_cast<const char*>(m->key), m->key_len},
                           {static_cast<const char*>(m->payload), m->len}, nullptr, 0});
    }
    for (size_t i = 0; i < records.size(); ++i) {
        records[i].headers = header_ranges[i].second ? &headers[header_ranges[i].first] : nullptr;
        records[i].header_count = header_ranges[i].second;
    }

    Backoff backoff;
    while (true) {
        auto result = task_->call("put", [&](void* handle, ingest_error* error) {
            ingest_status status = api_->put(handle, records.data(), records.size(), error);
            // Dead letters of this batch must be confirmed before its offsets can advance.
            return status == INGEST_OK ? flush_dead_letters(error) : status;
        });
        if (result.ok()) break;
        if (result.status != INGEST_RETRIABLE) throw FailedTask("put: " + result.message);
        log::warn(label()) << "put: " << result.message << " (retrying the batch)";
        backoff.sleep(stop_);
        if (stop_.load()) {
            batch_.clear();  // not applied: the next start resumes before these records
            return;
        }
    }
    for (const auto& m : batch_) next_offsets_[{rd_kafka_topic_name(m->rkt), m->partition}] = m->offset + 1;
    records_delivered_ += batch_.size();
    batch_.clear();
}

void SinkRunner::commit_progress(const std::set<PartitionKey>* only) {
    std::vector<ingest_topic_partition> raw;
    for (const auto& [key, offset] : next_offsets_)
        if (!only || only->count(key)) raw.push_back({key.first.c_str(), key.second, offset});
    if (raw.empty()) return;
    auto result = task_->call("pre_commit", [&](void* handle, ingest_error* error) {
        return api_->pre_commit(handle, raw.data(), raw.size(), error);
    });
    if (!result.ok()) {
        if (result.status == INGEST_RETRIABLE) {
            log::warn(label()) << "pre_commit: " << result.message << " (offsets not committed this time)";
            return;
        }
        throw FailedTask("pre_commit: " + result.message);
    }
    std::vector<kafka::PartitionOffset> offsets;
    for (const auto& p : raw)
        if (p.offset >= 0) offsets.push_back({p.topic, p.partition, p.offset});
    consumer_->commit(offsets);
}

void SinkRunner::run() {
    task_ = std::make_unique<PluginTask>(settings_.library, connector_.name, settings_.task_id,
                                         static_cast<int>(connector_.runner_int("tasks.max")), services());
    if (auto started = task_->start(connector_.plugin); !started.ok()) throw FailedTask("start: " + started.message);

    consumer_ = std::make_unique<kafka::Consumer>(settings_.bootstrap, connector_.consumer_group(),
                                                  kafka::Properties{}, *this);
    consumer_->subscribe(connector_.topics());
    board_.set_state(connector_.name, settings_.task_id, TaskState::running);
    log::info(label()) << "sink task started, consuming " << connector_.runner.at("topics") << " as group '"
                       << connector_.consumer_group() << "'";

    const auto window = std::chrono::milliseconds(batch_max_ms_);
    auto batch_started = Clock::now();
    auto last_put = Clock::now();
    auto last_commit = Clock::now();
    while (!stop_.load()) {
        auto now = Clock::now();
        auto waited = batch_.empty() ? now - last_put : now - batch_started;
        auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(window - waited);
        int timeout = static_cast<int>(std::clamp<long long>(remaining.count(), 0, 100));
        kafka::Message message = consumer_->poll(timeout);
        if (!failure_.empty()) throw FailedTask(failure_);
        if (message) {
            if (message->err) {
                handle_error_message(*message);
            } else {
                if (batch_.empty()) batch_started = Clock::now();
                batch_.push_back(std::move(message));
            }
        }
        now = Clock::now();
        bool full = batch_.size() >= batch_max_records_;
        bool due = batch_.empty() ? now - last_put >= window : now - batch_started >= window;
        if (full || due) {
            // An empty put() is the idle tick (as in Kafka Connect): sinks do periodic work there.
            deliver_batch();
            last_put = Clock::now();
        }
        if (Clock::now() - last_commit >= kCommitInterval) {
            commit_progress();
            last_commit = Clock::now();
        }
    }
    if (!batch_.empty()) deliver_batch();
    commit_progress();
}

void SinkRunner::shutdown() {
    if (consumer_) {
        try {
            consumer_->close();
        } catch (const std::exception& e) {
            log::warn(label()) << "closing the consumer: " << e.what();
        }
    }
    if (task_)
        if (auto stopped = task_->stop(); !stopped.ok()) log::warn(label()) << "stop: " << stopped.message;
}

}  // namespace

void run_sink_task(const TaskSettings& settings, StatusBoard& board, const std::atomic<bool>& stop) {
    const std::string label = settings.label();
    SinkRunner runner(settings, board, stop);
    try {
        runner.run();
        runner.shutdown();
        log::info(label) << "sink task stopped";
        board.set_state(settings.connector.name, settings.task_id, TaskState::stopped);
    } catch (const std::exception& e) {
        log::error(label) << "task failed: " << e.what();
        board.set_state(settings.connector.name, settings.task_id, TaskState::failed, log::mask_secrets(e.what()));
        runner.shutdown();
    }
}

}  // namespace ingest::pipeline
