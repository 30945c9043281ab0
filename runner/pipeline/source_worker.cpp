#include "pipeline/source_worker.hpp"

#include "kafka/admin.hpp"
#include "kafka/producer.hpp"
#include "log/logging.hpp"
#include "pipeline/plugin_task.hpp"
#include "pipeline/retry.hpp"

#include <chrono>

namespace ingest::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// How long a stopping source waits for outstanding delivery reports before giving up on them.
constexpr auto kFlushDeadline = std::chrono::seconds(30);
// How long an idle source waits for delivery reports before polling the task again.
constexpr int kIdlePollMs = 5;

struct EmitContext {
    kafka::Producer* producer;
    const std::string* topic;
    const std::atomic<bool>* stop;
    std::string error;  // first refusal; emit() cannot return one, so it is checked after poll()
    uint64_t emitted = 0;
};

void emit_record(void* opaque, const ingest_source_record* record) {
    auto* context = static_cast<EmitContext*>(opaque);
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

}  // namespace

void run_source_task(const TaskSettings& settings, StatusBoard& board, const std::atomic<bool>& stop) {
    const auto& connector = settings.connector;
    const int task_id = settings.task_id;
    auto fail = [&](const std::string& message) {
        log::error(settings.label()) << "task failed: " << message;
        board.set_state(connector.name, task_id, TaskState::failed, log::mask_secrets(message));
    };

    try {
        std::unique_ptr<PluginTask> task;
        const ingest_source_api* api = settings.library->descriptor().source;
        // Delivery reports arrive during producer.poll(), on this thread: the task needs no locks.
        kafka::Producer producer(settings.bootstrap, {}, [&](const kafka::Delivery& delivery) {
            const char* error = nullptr;
            std::string text;
            if (delivery.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
                text = kafka::error_text(delivery.error);
                error = text.c_str();
            }
            task->call("record_delivered", [&](void* handle, ingest_error*) {
                api->record_delivered(handle, delivery.correlation, delivery.partition, delivery.offset, error);
                return INGEST_OK;
            });
        });

        HostServices services;
        services.watermarks = [&](const std::string& topic, int32_t partition) {
            return kafka::watermarks(producer.handle(), topic, partition);
        };
        services.report_verdict = [&](bool ok, const std::string& summary) {
            board.set_verdict(connector.name, task_id, ok, summary);
        };
        task = std::make_unique<PluginTask>(settings.library, connector.name, task_id,
                                            static_cast<int>(connector.runner_int("tasks.max")), services);
        const std::string& label = task->label();

        if (auto started = task->start(connector.plugin); !started.ok()) return fail("start: " + started.message);
        board.set_state(connector.name, task_id, TaskState::running);
        log::info(label) << "source task started, producing to '" << connector.runner.at("topic") << "'";

        const std::string& topic = connector.runner.at("topic");
        // Ask for the topic's metadata now: otherwise the first records wait for librdkafka's
        // periodic topic scan (about a second) before they can be sent.
        kafka::partition_count(producer.handle(), topic);
        EmitContext context{&producer, &topic, &stop, {}, 0};
        Backoff backoff;
        bool ended = false;
        while (!stop.load()) {
            const uint64_t emitted_before = context.emitted;
            CallResult polled = task->call("poll", [&](void* handle, ingest_error* error) {
                return api->poll(handle, &emit_record, &context, error);
            });
            // A task with nothing to hand over (throttled, or waiting for its in-flight records to
            // be confirmed) waits here for delivery reports instead of spinning.
            producer.poll(context.emitted == emitted_before ? kIdlePollMs : 0);
            if (!context.error.empty()) return fail("producing: " + context.error);
            if (auto fatal = producer.fatal_error()) return fail("producer: " + *fatal);
            if (polled.status == INGEST_END) {
                ended = true;
                break;
            }
            if (polled.status == INGEST_RETRIABLE) {
                log::warn(label) << "poll: " << polled.message << " (retrying)";
                backoff.sleep(stop);
            } else if (polled.status != INGEST_OK) {
                return fail("poll: " + polled.message);
            } else {
                backoff.reset();
            }
        }

        // Every record handed over gets its delivery report before commit(): that is what lets
        // a source log exactly what the broker holds.
        // librdkafka's message.timeout.ms bounds this; a stop request bounds it further.
        auto deadline = Clock::time_point::max();
        while (producer.in_flight() > 0) {
            producer.poll(100);
            if (auto fatal = producer.fatal_error()) return fail("producer: " + *fatal);
            if (stop.load() && deadline == Clock::time_point::max()) deadline = Clock::now() + kFlushDeadline;
            if (Clock::now() >= deadline) break;
        }
        if (producer.in_flight() > 0)
            log::warn(label) << producer.in_flight() << " records still unconfirmed at shutdown";

        if (auto committed = task->call("commit", [&](void* handle, ingest_error* error) {
                return api->commit(handle, error);
            });
            !committed.ok())
            return fail("commit: " + committed.message);
        if (auto stopped = task->stop(); !stopped.ok()) log::warn(label) << "stop: " << stopped.message;
        log::info(label) << "source task " << (ended ? "finished" : "stopped") << " after " << context.emitted
                         << " records";
        board.set_state(connector.name, task_id, ended ? TaskState::finished : TaskState::stopped);
    } catch (const std::exception& e) {
        fail(e.what());
    }
}

}  // namespace ingest::pipeline
