// A sink task's loop: consumer group → batches → put(), the task's own offsets honoured on
// assignment, progress committed to the group. Paused, or while a batch waits to be retried, the
// consumer's partitions are paused but the consumer is still polled, so the task stays in its
// group (no max.poll.interval eviction) and a stop request ends any wait within one step.
#pragma once

#include "kafka/consumer.hpp"
#include "kafka/record_adapter.hpp"
#include "pipeline/dead_letter_queue.hpp"
#include "pipeline/plugin_task.hpp"
#include "pipeline/retry.hpp"
#include "pipeline/task_runner.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace ingest::pipeline {

class SinkLoop : public TaskLoop, private kafka::RebalanceListener {
   public:
    // How often progress is committed to the consumer group (for lag monitoring, and as the
    // resume point of sinks that do not own their offsets).
    static constexpr std::chrono::seconds kCommitInterval{5};

    SinkLoop(const TaskSettings& settings, const TaskControl& control, TaskListener& listener);

    void start() override;
    Step step(bool paused) override;
    void quiesce() override;
    void finish(bool ended) override;
    void abandon() noexcept override;

   private:
    using Clock = std::chrono::steady_clock;

    void on_assigned(std::vector<kafka::PartitionOffset>& partitions) override;
    void on_revoked(const std::vector<kafka::PartitionOffset>& partitions) override;

    void handle(kafka::ConsumerEvent event);
    // Records of `partition` from `position` up to the log start `log_start` were deleted before
    // this task read them: sets the metric and returns the task's failure message.
    std::string records_lost(const kafka::TopicPartition& partition, int64_t position, int64_t log_start);
    // The position fell off the log start while consuming (librdkafka's offset reset request).
    std::string position_lost(const kafka::TopicPartition& partition, const std::string& detail);
    int poll_timeout(bool paused) const;
    // One put() of the batch (empty: the idle tick). On RETRIABLE the batch is kept and a retry
    // scheduled; on another failure throws.
    void deliver_batch();
    void commit_progress(const std::set<kafka::TopicPartition>* only = nullptr);
    // Lag of every partition put to so far, from the consumer's cached high watermarks.
    void sample_lag();
    void close_consumer() noexcept;

    const TaskSettings& settings_;
    const TaskControl& control_;
    TaskListener& listener_;
    const std::string label_;
    const ingest_sink_api* api_;
    const size_t batch_max_records_;
    const std::chrono::milliseconds batch_max_wait_;

    std::unique_ptr<metrics::SinkTaskMetrics> metrics_;
    std::unique_ptr<metrics::PluginSeries> plugin_metrics_;
    DeadLetterQueue dead_letters_;
    std::unique_ptr<PluginTask> task_;
    bool started_ = false;
    std::unique_ptr<kafka::Consumer> consumer_;

    kafka::RecordBatch batch_;
    Clock::time_point batch_started_{}, last_put_{}, last_commit_{};
    std::optional<Clock::time_point> retry_at_;  // set while the batch waits for another put()
    Backoff backoff_;
    std::map<kafka::TopicPartition, int64_t> next_offsets_;  // after the last successful put()
    // Per assigned partition, the next offset this task expects: where it resumed, then after the
    // last record it received (unknown for a sink resuming at the group's committed offset).
    std::map<kafka::TopicPartition, int64_t> positions_;
    std::string failure_;  // set inside rebalance callbacks, raised after poll()
};

}  // namespace ingest::pipeline
