// A source task's loop: poll() the plugin → idempotent producer → delivery reports back to the
// plugin. Paused, it stops calling poll() but keeps serving delivery reports.
#pragma once

#include "kafka/producer.hpp"
#include "pipeline/plugin_task.hpp"
#include "pipeline/retry.hpp"
#include "pipeline/task_runner.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace ingest::pipeline {

class SourceLoop : public TaskLoop {
   public:
    // How long a stopping source waits for outstanding delivery reports before giving up on them.
    static constexpr std::chrono::seconds kFlushDeadline{30};

    SourceLoop(const TaskSettings& settings, const TaskControl& control, TaskListener& listener);

    void start() override;
    Step step(bool paused) override;
    void finish(bool ended) override;
    void abandon() noexcept override;

    // What emit() needs; emit() cannot return an error, so it is kept here and checked after poll().
    struct EmitContext {
        kafka::Producer* producer = nullptr;
        const std::string* topic = nullptr;
        const std::atomic<bool>* stop = nullptr;
        std::string error;
        uint64_t emitted = 0;
    };

   private:
    void check_producer() const;
    void on_delivery(const kafka::Delivery& delivery);

    const TaskSettings& settings_;
    const TaskControl& control_;
    TaskListener& listener_;
    const std::string label_;
    const std::string topic_;
    const ingest_source_api* api_;
    metrics::SourceTaskMetrics metrics_;
    std::unique_ptr<metrics::PluginSeries> plugin_metrics_;

    // Declared before the producer, so that the producer (whose delivery reports reach the
    // task) is destroyed first.
    std::unique_ptr<PluginTask> task_;
    bool started_ = false;
    std::unique_ptr<kafka::Producer> producer_;
    EmitContext context_;
    Backoff backoff_;
    std::chrono::steady_clock::time_point retry_at_{};
};

}  // namespace ingest::pipeline
