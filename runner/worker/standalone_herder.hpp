// The herder of a single worker: every connector's tasks run in this process, one thread each.
// (Kafka Connect's StandaloneHerder; a herder that shares connectors between workers through
// Kafka would implement the same interface.)
//
// Operations on one connector never touch another's tasks. They are serialised among themselves
// (one may wait for a connector's tasks to stop); status reads and change notifications do not
// wait for them.
#pragma once

#include "worker/herder.hpp"

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>

namespace ingest::worker {

struct HerderOptions {
    std::string bootstrap;  // the Kafka cluster every task talks to
    std::string worker_id;  // reported in statuses (Kafka Connect: the worker's REST host:port)
    // Called before a connector's tasks start (created, replaced, resumed from STOPPED or
    // restarted after its own failure), e.g. to create its topics. Throwing fails the connector:
    // FAILED, the message as its trace, no tasks. Unset: nothing to prepare.
    std::function<void(const config::ConnectorConfig&)> prepare;
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
    };
    struct Connector {
        ConnectorDefinition definition;
        TargetState target = TargetState::started;
        std::vector<Task> tasks;
    };

    Connector& find(const std::string& name);
    void start(Connector& connector);
    void start_task(Connector& connector, int id);
    void stop_tasks(Connector& connector);
    void set_target(Connector& connector, TargetState target);

    // Status changes, under status_mutex_, waking waiters.
    void update(const std::string& name, const std::function<void(ConnectorStatus&)>& change);
    void update_task(const std::string& name, int id, const std::function<void(TaskStatus&)>& change);

    const HerderOptions options_;

    mutable std::mutex operations_;  // serialises the operations; guards connectors_ and shut_down_
    std::map<std::string, Connector> connectors_;
    bool shut_down_ = false;

    mutable std::mutex status_mutex_;  // guards statuses_ and version_; never held while waiting on a task
    mutable std::condition_variable changed_;
    std::map<std::string, ConnectorStatus> statuses_;
    uint64_t version_ = 0;
};

}  // namespace ingest::worker
