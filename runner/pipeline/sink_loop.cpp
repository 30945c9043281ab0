#include "pipeline/sink_loop.hpp"

#include "log/logging.hpp"

#include <algorithm>

namespace ingest::pipeline {
namespace {

constexpr int kPausedPollMs = 100;

int milliseconds_left(std::chrono::steady_clock::duration left, int at_most) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, at_most));
}

}  // namespace

SinkLoop::SinkLoop(const TaskSettings& settings, const TaskControl& control, TaskListener& listener)
    : settings_(settings),
      control_(control),
      listener_(listener),
      label_(settings.label()),
      api_(settings.library->descriptor().sink),
      batch_max_records_(static_cast<size_t>(settings.connector.runner.batch_max_records)),
      batch_max_wait_(settings.connector.runner.batch_max_ms),
      metrics_(settings.metrics->sink_task(settings.connector.name, settings.task_id)),
      dead_letters_(settings.bootstrap, settings.connector.client_overrides.producer,
                    settings.connector.dead_letter_topic(), settings.connector.name, control.stop_flag()) {}

void SinkLoop::start() {
    const auto& connector = settings_.connector;
    HostServices services;
    services.dead_letter = [this](const ingest_record& record, const char* reason,
                                  std::span<const ingest_header> extra, ingest_error* error) {
        ingest_status status = dead_letters_.send(record, reason, extra, error);
        if (status == INGEST_OK) {
            metrics_->dead_lettered.Increment();
            metrics_->errors.record(metrics::ErrorClass::dead_letter);
        }
        return status;
    };
    services.flush_dead_letters = [this](ingest_error* error) { return dead_letters_.flush(error); };
    services.watermarks = [this](const std::string& topic, int32_t partition) {
        if (!consumer_) throw std::runtime_error("the consumer is not started yet");
        return consumer_->watermarks(topic, partition);
    };
    services.report_verdict = [this](bool ok, const std::string& summary) { listener_.on_verdict(ok, summary); };
    services.stopping = [this] { return control_.stop_requested(); };
    plugin_metrics_ = plugin_series(settings_);
    services.metrics = plugin_metrics_.get();
    task_ = std::make_unique<PluginTask>(settings_.library, connector.name, settings_.task_id,
                                         connector.runner.tasks_max, services);
    if (auto started = task_->start(connector.plugin); !started.ok()) throw TaskFailure("start: " + started.message);
    started_ = true;

    consumer_ = std::make_unique<kafka::Consumer>(settings_.bootstrap, connector.consumer_group(),
                                                  connector.client_overrides.consumer,
                                                  static_cast<kafka::RebalanceListener&>(*this));
    consumer_->subscribe(connector.topics());
    log::info(label_) << "sink task started, consuming " << connector.runner.topics << " as group '"
                      << connector.consumer_group() << "'";
    last_put_ = last_commit_ = Clock::now();
}

void SinkLoop::on_assigned(std::vector<kafka::PartitionOffset>& partitions) {
    std::vector<ingest_topic_partition> raw;
    for (const auto& p : partitions) raw.push_back({p.topic.c_str(), p.partition, INGEST_OFFSET_NONE});
    auto opened = task_->call("open", [&](void* handle, ingest_error* error) {
        return api_->open(handle, raw.data(), raw.size(), error);
    });
    if (!opened.ok()) {
        failure_ = "open: " + opened.message;
        throw TaskFailure(failure_);
    }
    std::string where;
    std::string gaps;  // every partition's, before failing: the operator moves them all at once
    for (size_t i = 0; i < partitions.size(); ++i) {
        int64_t stored = raw[i].offset;
        const kafka::TopicPartition key{partitions[i].topic, partitions[i].partition};
        if (stored >= 0) {
            // Resuming below the log start would make the consumer ask to reset; find the gap
            // here, where the stored offset says exactly which records are gone.
            try {
                const int64_t log_start = consumer_->watermarks(key.topic, key.partition).first;
                if (stored < log_start)
                    gaps += (gaps.empty() ? "" : "; ") + records_lost(key, stored, log_start);
                else
                    metrics_->set_records_lost(key.topic, key.partition, 0);
            } catch (const kafka::KafkaError& e) {
                log::warn(label_) << "cannot read the log start of " << key.topic << "/" << key.partition << ": "
                                  << e.what() << " (a gap is still reported when the consumer meets it)";
            }
            partitions[i].offset = stored;
            positions_[key] = stored;
        } else
            // A sink that owns its offsets and has none starts at the beginning, whatever the
            // group committed: its own store is the truth.
            partitions[i].offset = api_->owns_offsets ? kafka::kResumeAtBeginning : kafka::kResumeAtCommitted;
        where += " " + partitions[i].topic + "/" + std::to_string(partitions[i].partition) + "@" +
                 (stored >= 0 ? std::to_string(stored) : api_->owns_offsets ? "beginning" : "committed");
    }
    if (!gaps.empty()) {
        failure_ = gaps;
        throw TaskFailure(failure_);
    }
    log::info(label_) << "assigned" << (where.empty() ? " nothing" : where);
}

void SinkLoop::on_revoked(const std::vector<kafka::PartitionOffset>& partitions) {
    std::set<kafka::TopicPartition> revoked;
    for (const auto& p : partitions) revoked.insert({p.topic, p.partition});
    // Records not yet applied by put() are dropped: the next owner resumes before them.
    batch_.drop(revoked);
    try {
        commit_progress(&revoked);
    } catch (const std::exception& e) {
        log::warn(label_) << "committing revoked partitions: " << e.what();
    }
    std::vector<ingest_topic_partition> raw;
    for (const auto& p : partitions) raw.push_back({p.topic.c_str(), p.partition, INGEST_OFFSET_NONE});
    auto closed = task_->call("close", [&](void* handle, ingest_error* error) {
        return api_->close(handle, raw.data(), raw.size(), error);
    });
    if (!closed.ok()) log::warn(label_) << "close: " << closed.message;
    for (const auto& key : revoked) {
        next_offsets_.erase(key);
        positions_.erase(key);
    }
    log::info(label_) << "revoked " << partitions.size() << " partitions";
}

void SinkLoop::handle(kafka::ConsumerEvent event) {
    using Kind = kafka::ConsumerEvent::Kind;
    switch (event.kind) {
        case Kind::message:
            if (batch_.empty()) batch_started_ = Clock::now();
            positions_[event.message.where()] = event.message.offset() + 1;
            batch_.add(std::move(event.message));
            break;
        case Kind::position_lost: throw TaskFailure(position_lost(*event.partition, event.text));
        case Kind::fatal_error: throw TaskFailure(event.text);
        case Kind::transient_error: log::warn(label_) << event.text; break;
        case Kind::none:
        case Kind::ignorable: break;
    }
}

std::string SinkLoop::records_lost(const kafka::TopicPartition& partition, int64_t position, int64_t log_start) {
    const int64_t lost = log_start - position;
    metrics_->set_records_lost(partition.topic, partition.partition, lost);
    const std::string where = partition.topic + "/" + std::to_string(partition.partition);
    std::string message = "records lost: " + where + " offsets " + std::to_string(position) + ".." +
                          std::to_string(log_start - 1) + " (" + std::to_string(lost) +
                          " records) were deleted from the log (retention) before this task read them; "
                          "the log now starts at " + std::to_string(log_start) +
                          ". Nothing after them is put until the offsets move past the gap, which "
                          "accepts the loss: stop the connector, then `ingest connectors offsets " +
                          settings_.connector.name + " --set " + partition.topic + ":" +
                          std::to_string(partition.partition) + "=" + std::to_string(log_start) + "`";
    log::error(label_) << message;
    return message;
}

std::string SinkLoop::position_lost(const kafka::TopicPartition& partition, const std::string& detail) {
    std::optional<int64_t> position;
    if (auto known = positions_.find(partition); known != positions_.end()) position = known->second;
    try {
        if (!position) {
            // Resumed at the group's committed offset (a sink that does not own its offsets).
            auto committed = consumer_->committed_or_beginning(
                {{partition.topic, partition.partition, kafka::kResumeAtCommitted}});
            if (!committed.empty() && committed.front().offset >= 0) position = committed.front().offset;
        }
        const int64_t log_start = consumer_->watermarks(partition.topic, partition.partition).first;
        if (position && *position < log_start) return records_lost(partition, *position, log_start);
    } catch (const std::exception& e) {
        log::warn(label_) << "cannot tell how many records were lost: " << e.what();
    }
    std::string message = "records lost: " + detail + " (records were deleted from the log before this task read "
                          "them; refusing to skip them)";
    log::error(label_) << message;
    return message;
}

int SinkLoop::poll_timeout(bool paused) const {
    if (paused) return kPausedPollMs;
    auto now = Clock::now();
    if (retry_at_) return milliseconds_left(*retry_at_ - now, kPausedPollMs);
    // With records in hand, only take what is already fetched: an empty poll sends the batch.
    if (!batch_.empty()) return 0;
    return milliseconds_left(batch_max_wait_ - (now - last_put_), 100);
}

TaskLoop::Step SinkLoop::step(bool paused) {
    // No new records while paused or while a batch waits to be retried; the consumer is still
    // polled below, which keeps this task in its group.
    bool hold = paused || retry_at_.has_value();
    if (hold != consumer_->paused()) {
        if (hold)
            consumer_->pause();
        else
            consumer_->resume();
    }
    kafka::ConsumerEvent event = consumer_->poll(poll_timeout(paused));
    const bool nothing_ready = event.kind == kafka::ConsumerEvent::Kind::none;
    handle(std::move(event));
    if (!failure_.empty()) throw TaskFailure(failure_);
    if (paused) return Step::more;  // a paused task makes no plugin calls

    auto now = Clock::now();
    if (retry_at_) {
        if (now >= *retry_at_) deliver_batch();
    } else {
        // A batch goes when it is full, when the consumer has nothing more fetched (no lingering:
        // at a low rate a record waits for no one, at a high rate the fetched backlog fills the
        // batch), or after batch.max.ms at the latest. An empty put() is the idle tick (as in
        // Kafka Connect): sinks do periodic work there.
        const bool full = batch_.size() >= batch_max_records_;
        const bool due = batch_.empty() ? now - last_put_ >= batch_max_wait_
                                        : nothing_ready || now - batch_started_ >= batch_max_wait_;
        if (full || due) deliver_batch();
    }
    if (Clock::now() - last_commit_ >= kCommitInterval) {
        commit_progress();
        sample_lag();
        last_commit_ = Clock::now();
    }
    return Step::more;
}

// pre_commit is the call in which a sink finishes what put() handed it (sink_postgres waits for
// its writers there): after it nothing of this task reaches the destination until it resumes.
void SinkLoop::quiesce() { commit_progress(); }

void SinkLoop::deliver_batch() {
    auto records = batch_.records();
    const auto put_started = Clock::now();
    auto result = task_->call("put", [&](void* handle, ingest_error* error) {
        ingest_status status = api_->put(handle, records.data(), records.size(), error);
        // Dead letters of this batch must be confirmed before its offsets can advance.
        return status == INGEST_OK ? dead_letters_.flush(error) : status;
    });
    last_put_ = Clock::now();
    if (result.ok() && !records.empty()) {
        metrics_->records_put.Increment(static_cast<double>(records.size()));
        metrics_->batches.Increment();
        metrics_->batch_duration.Observe(std::chrono::duration<double>(last_put_ - put_started).count());
        metrics_->observe_end_to_end(std::chrono::system_clock::now(), records.data(), records.size());
    }
    if (result.status == INGEST_RETRIABLE) {
        metrics_->put_retries.Increment();
        metrics_->errors.record(metrics::ErrorClass::retriable);
        auto wait = backoff_.next();
        log::warn(label_) << "put: " << result.message << " (retrying the batch of " << batch_.size() << " records in "
                          << wait.count() << " ms; its partitions are paused meanwhile)";
        retry_at_ = last_put_ + wait;
        return;
    }
    if (!result.ok()) throw TaskFailure("put: " + result.message);
    for (const auto& [partition, offset] : batch_.next_offsets()) next_offsets_[partition] = offset;
    batch_.clear();
    if (retry_at_) log::info(label_) << "put: the batch went through after retrying";
    retry_at_.reset();
    backoff_.reset();
}

void SinkLoop::commit_progress(const std::set<kafka::TopicPartition>* only) {
    std::vector<ingest_topic_partition> raw;
    for (const auto& [key, offset] : next_offsets_)
        if (!only || only->count(key)) raw.push_back({key.topic.c_str(), key.partition, offset});
    if (raw.empty()) return;
    auto result = task_->call("pre_commit", [&](void* handle, ingest_error* error) {
        return api_->pre_commit(handle, raw.data(), raw.size(), error);
    });
    if (!result.ok()) {
        if (result.status == INGEST_RETRIABLE) {
            metrics_->commits_failed.Increment();
            metrics_->errors.record(metrics::ErrorClass::commit);
            log::warn(label_) << "pre_commit: " << result.message << " (offsets not committed this time)";
            return;
        }
        throw TaskFailure("pre_commit: " + result.message);
    }
    std::vector<kafka::PartitionOffset> offsets;
    for (const auto& p : raw)
        if (p.offset >= 0) offsets.push_back({p.topic, p.partition, p.offset});
    try {
        consumer_->commit(offsets);
        metrics_->commits_ok.Increment();
    } catch (const std::exception& e) {
        metrics_->commits_failed.Increment();
        metrics_->errors.record(metrics::ErrorClass::commit);
        // As in Kafka Connect, a failed commit is retried at the next interval, not fatal. For a
        // sink that owns its offsets the group's offsets are only for monitoring.
        if (api_->owns_offsets)
            log::warn(label_) << e.what() << " (the sink's own stored offsets are unaffected)";
        else
            log::error(label_) << e.what() << " (records after the last committed offsets may be delivered again)";
    }
}

void SinkLoop::sample_lag() {
    for (const auto& [partition, next] : next_offsets_)
        if (auto high = consumer_->cached_high_watermark(partition.topic, partition.partition))
            metrics_->set_lag(partition.topic, partition.partition, std::max<int64_t>(0, *high - next));
}

void SinkLoop::close_consumer() noexcept {
    if (!consumer_) return;
    try {
        consumer_->close();  // revokes the assignment: the task commits and closes its partitions
    } catch (const std::exception& e) {
        log::warn(label_) << "closing the consumer: " << e.what();
    }
}

void SinkLoop::finish(bool) {
    // A batch still waiting for a retry, or held while paused, was not applied: it is dropped and
    // comes again after the next start. Otherwise the last batch is put once more.
    if (!batch_.empty() && !retry_at_ && !control_.pause_requested()) deliver_batch();
    if (retry_at_) log::warn(label_) << "stopping with a batch of " << batch_.size() << " records not applied";
    batch_.clear();
    retry_at_.reset();
    commit_progress();
    close_consumer();
    started_ = false;
    if (auto stopped = task_->stop(); !stopped.ok()) log::warn(label_) << "stop: " << stopped.message;
    log::info(label_) << "sink task stopped";
}

void SinkLoop::abandon() noexcept {
    try {
        batch_.clear();
        close_consumer();
        if (task_ && started_) {
            started_ = false;
            if (auto stopped = task_->stop(); !stopped.ok()) log::warn(label_) << "stop: " << stopped.message;
        }
    } catch (...) {
    }
}

}  // namespace ingest::pipeline
