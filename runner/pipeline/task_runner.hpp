// One skeleton for every task, source or sink: a thread that starts the task, steps its loop
// while honouring pause and stop requests, reports each transition to a TaskListener, and turns
// any failure into a FAILED report instead of a dead runner. What a step does is the loop's
// business (source_loop, sink_loop).
#pragma once

#include "pipeline/task_listener.hpp"
#include "pipeline/task_settings.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>

namespace ingest::pipeline {

// What the owner wants a task to do (Kafka Connect's target states STARTED, PAUSED, STOPPED).
enum class TargetState { started, paused, stopped };
const char* target_state_name(TargetState state);

// The owner's requests to one task; the task's thread reads them between steps.
class TaskControl {
   public:
    explicit TaskControl(TargetState initial) : paused_(initial == TargetState::paused) {}
    void set_paused(bool paused) { paused_.store(paused); }
    void request_stop() { stop_.store(true); }

    bool pause_requested() const { return paused_.load(); }
    bool stop_requested() const { return stop_.load(); }
    // For waits that take a flag (backoff, a full producer queue): set once a stop is requested.
    const std::atomic<bool>& stop_flag() const { return stop_; }

   private:
    std::atomic<bool> paused_;
    std::atomic<bool> stop_{false};
};

// Thrown by a loop when the task cannot go on; the message becomes the task's trace.
class TaskFailure : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// The part of a task that differs between sources and sinks. Every call runs on the task's thread.
class TaskLoop {
   public:
    enum class Step { more, ended };
    virtual ~TaskLoop() = default;
    // Creates the plugin task and the Kafka clients and starts the task; throws on failure.
    virtual void start() = 0;
    // One bounded piece of work (at most about 100 ms), paused or not. A paused task makes no
    // plugin calls of its own (no poll(), no put()) but keeps its Kafka clients served.
    virtual Step step(bool paused) = 0;
    // Called once when the task is paused, before it is reported PAUSED: work already handed to
    // the plugin settles (a write-behind sink commits its last batch). Throws on failure.
    virtual void quiesce() {}
    // The orderly end after a stop request (ended == false) or the end of the stream: deliver,
    // commit, close, stop the plugin task. Throws on failure.
    virtual void finish(bool ended) = 0;
    // Best-effort cleanup after a failure; never throws.
    virtual void abandon() noexcept = 0;
};

// Builds the loop for a task: a source or a sink loop, by the plugin's kind.
std::unique_ptr<TaskLoop> make_task_loop(const TaskSettings& settings, const TaskControl& control,
                                         TaskListener& listener);

// Runs one task on its own thread from construction until stopped, ended or failed.
class TaskRunner {
   public:
    TaskRunner(TaskSettings settings, TaskListener& listener, TargetState initial);
    // Requests a stop and waits for the thread.
    ~TaskRunner();
    TaskRunner(const TaskRunner&) = delete;
    TaskRunner& operator=(const TaskRunner&) = delete;

    // started or paused; stopped is request_stop().
    void set_target(TargetState state);
    void request_stop() { control_.request_stop(); }
    // Waits until the task's thread has returned (its last report is made by then).
    void join();

    const TaskSettings& settings() const { return settings_; }

   private:
    void run() noexcept;

    // Forwards every event to the owner's listener and keeps the task's state series current (and
    // counts a failure as a fatal error).
    class StateRecorder : public TaskListener {
       public:
        StateRecorder(TaskListener& owner, const TaskSettings& settings) : owner_(owner), settings_(settings) {}
        void record(const char* state) {
            settings_.metrics->set_task_state(settings_.connector.name, settings_.task_id, state);
        }
        void on_running() override { record("RUNNING"); owner_.on_running(); }
        void on_paused() override { record("PAUSED"); owner_.on_paused(); }
        void on_failed(const std::string& trace) override {
            record("FAILED");
            errors.record(metrics::ErrorClass::fatal);
            owner_.on_failed(trace);
        }
        void on_stopped() override { record("STOPPED"); owner_.on_stopped(); }
        void on_finished() override { record("FINISHED"); owner_.on_finished(); }
        void on_verdict(bool passed, const std::string& summary) override { owner_.on_verdict(passed, summary); }

        // Set once the task's registry is known (TaskRunner's constructor).
        metrics::TaskErrors errors;

       private:
        TaskListener& owner_;
        const TaskSettings& settings_;
    };

    TaskSettings settings_;
    StateRecorder listener_;
    TaskControl control_;
    std::thread thread_;
};

}  // namespace ingest::pipeline
