// The herder of a single worker: every connector's tasks run in this process, one thread each.
// (Kafka Connect's StandaloneHerder.) In cluster mode the DistributedHerder runs its worker's share
// of the tasks in one of these (HerderOptions::runs_task).
//
// A task that fails is restarted automatically after a backoff, up to its connector's
// `errors.restart.max` restarts in a row (RestartPolicy); one thread of the herder waits out the
// backoffs. Target states are saved in HerderOptions::target_state_file (TargetStateStore).
//
// Operations on one connector never touch another's tasks. They are serialised among themselves
// (one may wait for a connector's tasks to stop); status reads and change notifications do not
// wait for them.
#pragma once

#include "worker/herder.hpp"
#include "worker/restart_policy.hpp"
#include "worker/target_state_store.hpp"

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace ingest::worker {

struct HerderOptions {
    std::string bootstrap;  // the Kafka cluster every task talks to
    std::string worker_id;  // reported in statuses (Kafka Connect: the worker's REST host:port)
    // Called before a connector's tasks start (created, replaced, resumed from STOPPED or
    // restarted after its own failure), e.g. to create its topics. Throwing fails the connector:
    // FAILED, the message as its trace, no tasks. Unset: nothing to prepare.
    std::function<void(const config::ConnectorConfig&)> prepare;
    // Where pause/stop survive a worker restart (`<state-dir>/target-states.json`); empty: in
    // memory only.
    std::filesystem::path target_state_file;
    // Which tasks run in this process (cluster mode: those of the slots this worker holds); the
    // others stay UNASSIGNED here. Unset: all of them. reassign() applies a change.
    std::function<bool(const std::string& connector, int task)> runs_task;
};

class StandaloneHerder final : public Herder {
   public:
    explicit StandaloneHerder(HerderOptions options);
    // shutdown()
    ~StandaloneHerder() override;
    StandaloneHerder(const StandaloneHerder&) = delete;
    StandaloneHerder& operator=(const StandaloneHerder&) = delete;

    bool apply(ConnectorDefinition definition, TargetState initial = TargetState::started) override;
    bool remove(const std::string& name) override;
    void pause(const std::string& name) override;
    void resume(const std::string& name) override;
    void stop(const std::string& name) override;
    RestartOutcome restart(const std::string& name, bool include_tasks, bool only_failed) override;
    void restart_task(const std::string& name, int task) override;
    std::vector<ConnectorOffset> offsets(const std::string& name) override;
    void alter_offsets(const std::string& name, const std::vector<ConnectorOffset>& changes) override;
    void reset_offsets(const std::string& name) override;
    void set_config_error(const std::string& name, const std::string& error) override;
    bool remember_target_state(const std::string& name, TargetState state) override;
    // Forgets saved target states of connectors this herder does not run (their files were
    // removed while the worker was down). Call once the start-up connectors are applied.
    void forget_other_target_states();
    // Stops the tasks runs_task no longer gives this process (all of them first, then waits) and
    // starts those it now gives, in their connector's target state.
    void reassign();

    std::optional<ConnectorStatus> status(const std::string& name) const override;
    std::vector<ConnectorStatus> statuses() const override;
    std::vector<std::string> connectors() const override;
    std::optional<ConnectorDefinition> definition(const std::string& name) const override;
    std::optional<TargetState> target_state(const std::string& name) const override;
    const std::string& worker_id() const override { return options_.worker_id; }

    uint64_t version() const override;
    uint64_t wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const override;
    void notify() override;
    void shutdown() override;

   private:
    class TaskReporter;
    struct Task {
        std::unique_ptr<TaskReporter> reporter;  // outlives the runner that reports into it
        std::unique_ptr<pipeline::TaskRunner> runner;
        uint64_t run = 0;  // which start of the task the runner is (a scheduled restart names it)
    };
    struct PendingRestart {
        std::chrono::steady_clock::time_point due;
        std::string connector;
        int task = 0;
        uint64_t run = 0;
    };
    struct Connector {
        ConnectorDefinition definition;
        TargetState target = TargetState::started;
        std::vector<Task> tasks;
    };

    Connector& find(const std::string& name);
    bool runs(const std::string& connector, int task) const;
    void start(Connector& connector);
    void start_task(Connector& connector, int id);
    void stop_tasks(Connector& connector);
    void set_target(Connector& connector, TargetState target);

    // Automatic restarts: a failed task's reporter schedules one; restarter_ runs it when due,
    // unless the task was restarted, replaced or stopped in between.
    void schedule_restart(const std::string& connector, int task, uint64_t run, std::chrono::milliseconds delay);
    void run_restarter();
    void restart_failed_task(const PendingRestart& pending);
    void stop_restarter();

    // Status changes, under status_mutex_, waking waiters.
    void update(const std::string& name, const std::function<void(ConnectorStatus&)>& change);
    void update_task(const std::string& name, int id, const std::function<void(TaskStatus&)>& change);

    const HerderOptions options_;

    mutable std::mutex operations_;  // serialises the operations; guards connectors_ and shut_down_
    std::map<std::string, Connector> connectors_;
    bool shut_down_ = false;
    uint64_t next_run_ = 0;
    TargetStateStore target_states_;

    mutable std::mutex status_mutex_;  // guards statuses_ and version_; never held while waiting on a task
    mutable std::condition_variable changed_;
    std::map<std::string, ConnectorStatus> statuses_;
    uint64_t version_ = 0;

    std::mutex restarts_mutex_;  // guards pending_ and closing_; never held while taking operations_
    std::condition_variable restarts_changed_;
    std::vector<PendingRestart> pending_;
    bool closing_ = false;
    std::once_flag restarter_stopped_;
    std::thread restarter_;  // last: started once everything it uses exists
};

}  // namespace ingest::worker
