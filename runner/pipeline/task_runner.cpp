#include "pipeline/task_runner.hpp"

#include "log/logging.hpp"
#include "pipeline/sink_loop.hpp"
#include "pipeline/source_loop.hpp"

namespace ingest::pipeline {

const char* target_state_name(TargetState state) {
    switch (state) {
        case TargetState::started: return "STARTED";
        case TargetState::paused: return "PAUSED";
        case TargetState::stopped: return "STOPPED";
    }
    return "UNKNOWN";
}

std::unique_ptr<TaskLoop> make_task_loop(const TaskSettings& settings, const TaskControl& control,
                                         TaskListener& listener) {
    if (settings.connector.kind == INGEST_KIND_SOURCE)
        return std::make_unique<SourceLoop>(settings, control, listener);
    return std::make_unique<SinkLoop>(settings, control, listener);
}

TaskRunner::TaskRunner(TaskSettings settings, TaskListener& listener, TargetState initial)
    : settings_(std::move(settings)), listener_(listener, settings_), control_(initial) {
    if (!settings_.metrics) settings_.metrics = metrics::process_metrics();
    settings_.metrics->task_starting(settings_.connector.name, settings_.task_id);
    listener_.errors = settings_.metrics->task_errors(settings_.connector.name, settings_.task_id,
                                                      settings_.connector.kind == INGEST_KIND_SOURCE);
    listener_.record("UNASSIGNED");
    if (initial == TargetState::stopped) control_.request_stop();
    thread_ = std::thread(&TaskRunner::run, this);
}

TaskRunner::~TaskRunner() {
    request_stop();
    join();
}

void TaskRunner::set_target(TargetState state) {
    if (state == TargetState::stopped)
        control_.request_stop();
    else
        control_.set_paused(state == TargetState::paused);
}

void TaskRunner::join() {
    if (thread_.joinable()) thread_.join();
}

void TaskRunner::run() noexcept {
    const std::string label = settings_.label();
    std::unique_ptr<TaskLoop> loop;
    try {
        loop = make_task_loop(settings_, control_, listener_);
        loop->start();
        bool paused = control_.pause_requested();
        if (paused) {
            log::info(label) << "task paused";
            listener_.on_paused();
        } else {
            listener_.on_running();
        }
        bool ended = false;
        while (!control_.stop_requested()) {
            if (bool wanted = control_.pause_requested(); wanted != paused) {
                paused = wanted;
                if (paused) loop->quiesce();
                log::info(label) << (paused ? "task paused" : "task resumed");
                if (paused)
                    listener_.on_paused();
                else
                    listener_.on_running();
            }
            if (loop->step(paused) == TaskLoop::Step::ended) {
                ended = true;
                break;
            }
        }
        loop->finish(ended);
        if (ended)
            listener_.on_finished();
        else
            listener_.on_stopped();
    } catch (const std::exception& e) {
        log::error(label) << "task failed: " << e.what();
        listener_.on_failed(log::mask_secrets(e.what()));
        if (loop) loop->abandon();
    } catch (...) {
        log::error(label) << "task failed: unknown exception";
        listener_.on_failed("unknown exception");
        if (loop) loop->abandon();
    }
}

}  // namespace ingest::pipeline
