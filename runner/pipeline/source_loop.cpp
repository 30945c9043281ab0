#include "pipeline/source_loop.hpp"

#include "log/logging.hpp"

#include <algorithm>

namespace ingest::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// How long an idle (or paused) source waits for delivery reports per step.
constexpr int kIdlePollMs = 5;
constexpr int kPausedPollMs = 100;

void emit_record(void* opaque, const ingest_source_record* record) {
    auto* context = static_cast<SourceLoop::EmitContext*>(opaque);
    if (!context->error.empty()) return;
    try {
        std::string topic = record->topic ? record->topic : *context->topic;
        if (context->producer->produce(topic, record->partition, record->key, record->value, record->headers,
                                       record->header_count, record->correlation, context->stop))
            ++context->emitted;
        else
            context->error = "stopped while the producer queue was full";
    } catch (const std::exception& e) {
        context->error = e.what();
    }
}

int milliseconds_until(Clock::time_point when, int at_most) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(when - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, at_most));
}

}  // namespace

SourceLoop::SourceLoop(const TaskSettings& settings, const TaskControl& control, TaskListener& listener)
    : settings_(settings),
      control_(control),
      listener_(listener),
      label_(settings.label()),
      topic_(settings.connector.runner.topic),
      api_(settings.library->descriptor().source),
      metrics_(settings.metrics->source_task(settings.connector.name, settings.task_id)) {}

void SourceLoop::on_delivery(const kafka::Delivery& delivery) {
    if (!task_) return;
    (delivery.ok() ? metrics_.records_written : metrics_.records_failed).Increment();
    if (!delivery.ok()) metrics_.errors.record(metrics::ErrorClass::delivery);
    task_->call("record_delivered", [&](void* handle, ingest_error*) {
        api_->record_delivered(handle, delivery.correlation, delivery.partition, delivery.offset,
                               delivery.ok() ? nullptr : delivery.error.c_str());
        return INGEST_OK;
    });
}

void SourceLoop::start() {
    // Delivery reports arrive during producer poll(), on this thread: the task needs no locks.
    producer_ = std::make_unique<kafka::Producer>(settings_.bootstrap, settings_.connector.client_overrides.producer,
                                                  [this](const kafka::Delivery& d) { on_delivery(d); });
    HostServices services;
    services.watermarks = [this](const std::string& topic, int32_t partition) {
        return producer_->watermarks(topic, partition);
    };
    services.partition_count = [this](const std::string& topic) {
        const std::string& name = topic.empty() ? topic_ : topic;
        const int count = producer_->fetch_metadata(name);
        if (count < 1) throw kafka::KafkaError("topic '" + name + "' does not exist");
        return static_cast<int32_t>(count);
    };
    services.report_verdict = [this](bool ok, const std::string& summary) { listener_.on_verdict(ok, summary); };
    services.stopping = [this] { return control_.stop_requested(); };
    plugin_metrics_ = plugin_series(settings_);
    services.metrics = plugin_metrics_.get();
    task_ = std::make_unique<PluginTask>(settings_.library, settings_.connector.name, settings_.task_id,
                                         settings_.connector.runner.tasks_max, services);
    if (auto started = task_->start(settings_.connector.plugin); !started.ok())
        throw TaskFailure("start: " + started.message);
    started_ = true;
    log::info(label_) << "source task started, producing to '" << topic_ << "'";
    producer_->fetch_metadata(topic_);
    context_ = EmitContext{producer_.get(), &topic_, &control_.stop_flag(), {}, 0};
}

void SourceLoop::check_producer() const {
    if (auto fatal = producer_->fatal_error()) throw TaskFailure("producer: " + *fatal);
}

TaskLoop::Step SourceLoop::step(bool paused) {
    if (paused || Clock::now() < retry_at_) {
        producer_->poll(paused ? kPausedPollMs : milliseconds_until(retry_at_, kPausedPollMs));
        check_producer();
        return Step::more;
    }
    const uint64_t emitted_before = context_.emitted;
    const auto poll_started = Clock::now();
    CallResult polled = task_->call("poll", [&](void* handle, ingest_error* error) {
        return api_->poll(handle, &emit_record, &context_, error);
    });
    if (const uint64_t emitted = context_.emitted - emitted_before; emitted > 0) {
        metrics_.records_polled.Increment(static_cast<double>(emitted));
        metrics_.batches.Increment();
        metrics_.batch_duration.Observe(std::chrono::duration<double>(Clock::now() - poll_started).count());
    }
    // A task with nothing to hand over (throttled, or waiting for its in-flight records to be
    // confirmed) waits here for delivery reports instead of spinning.
    producer_->poll(context_.emitted == emitted_before ? kIdlePollMs : 0);
    if (!context_.error.empty()) throw TaskFailure("producing: " + context_.error);
    check_producer();
    switch (polled.status) {
        case INGEST_END: return Step::ended;
        case INGEST_OK: backoff_.reset(); return Step::more;
        case INGEST_RETRIABLE: {
            metrics_.errors.record(metrics::ErrorClass::retriable);
            auto wait = backoff_.next();
            log::warn(label_) << "poll: " << polled.message << " (retrying in " << wait.count() << " ms)";
            retry_at_ = Clock::now() + wait;
            return Step::more;
        }
        default: throw TaskFailure("poll: " + polled.message);
    }
}

void SourceLoop::finish(bool ended) {
    // Every record handed over gets its delivery report before commit(): that is what lets a
    // source log exactly what the broker holds. librdkafka's message.timeout.ms bounds this; a
    // stop request bounds it further.
    auto deadline = Clock::time_point::max();
    while (producer_->in_flight() > 0) {
        if (control_.stop_requested() && deadline == Clock::time_point::max()) deadline = Clock::now() + kFlushDeadline;
        if (Clock::now() >= deadline) break;
        producer_->poll(100);
        check_producer();
    }
    if (producer_->in_flight() > 0)
        log::warn(label_) << producer_->in_flight() << " records still unconfirmed after " << kFlushDeadline.count()
                          << " s at shutdown";
    if (auto committed = task_->call("commit", [&](void* handle, ingest_error* error) { return api_->commit(handle, error); });
        !committed.ok())
        throw TaskFailure("commit: " + committed.message);
    started_ = false;
    if (auto stopped = task_->stop(); !stopped.ok()) log::warn(label_) << "stop: " << stopped.message;
    log::info(label_) << "source task " << (ended ? "finished" : "stopped") << " after " << context_.emitted
                      << " records";
}

void SourceLoop::abandon() noexcept {
    try {
        if (task_ && started_) {
            started_ = false;
            if (auto stopped = task_->stop(); !stopped.ok()) log::warn(label_) << "stop: " << stopped.message;
        }
    } catch (...) {
    }
}

}  // namespace ingest::pipeline
