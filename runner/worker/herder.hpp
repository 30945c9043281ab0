// The herder (Kafka Connect's word): the one object that owns the connectors of this worker. Per
// connector it holds the validated config and the plugin library it runs on, its tasks (one
// thread each), its target state (started, paused, stopped) and its status. The worker loop, the
// status file and (later) the REST API and the config watcher all go through it.
//
// Operations on one connector never touch another's tasks. They are serialised among themselves
// (one may wait for a connector's tasks to stop); status reads and change notifications do not
// wait for them.
#pragma once

#include "config/connector_config.hpp"
#include "pipeline/task_runner.hpp"
#include "plugin_host/plugin_library.hpp"
#include "worker/status_model.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ingest::worker {

using pipeline::TargetState;

// A connector as the herder runs it: a config already validated against its plugin.
struct ConnectorDefinition {
    config::ConnectorConfig config;
    std::shared_ptr<plugin_host::PluginLibrary> library;
};

struct HerderOptions {
    std::string bootstrap;  // the Kafka cluster every task talks to
    std::string worker_id;  // reported in statuses (Kafka Connect: the worker's REST host:port)
    // Called before a connector's tasks start (created, replaced, resumed from STOPPED or
    // restarted after its own failure), e.g. to create its topics. Throwing fails the connector:
    // FAILED, the message as its trace, no tasks. Unset: nothing to prepare.
    std::function<void(const config::ConnectorConfig&)> prepare;
};

class UnknownConnector : public std::runtime_error {
   public:
    explicit UnknownConnector(const std::string& name) : std::runtime_error("unknown connector '" + name + "'") {}
};

// What restart() restarted.
struct RestartOutcome {
    bool connector = false;
    std::vector<int> tasks;
};

class Herder {
   public:
    explicit Herder(HerderOptions options);
    // shutdown()
    ~Herder();
    Herder(const Herder&) = delete;
    Herder& operator=(const Herder&) = delete;

    // Creates the connector, or replaces the config of an existing one: only that connector's
    // tasks stop and start again with the new config, in its current target state (`initial`
    // applies to a new connector only). Returns true when it was created.
    bool apply(ConnectorDefinition definition, TargetState initial = TargetState::started);
    // Stops the connector's tasks and forgets it. False when there was no such connector.
    bool remove(const std::string& name);

    // Kafka Connect's PAUSED: tasks stay up (sinks keep their consumer group membership) but
    // make no progress. Throws UnknownConnector, as do the operations below.
    void pause(const std::string& name);
    // Back to RUNNING, from PAUSED or STOPPED (then the tasks start again).
    void resume(const std::string& name);
    // Kafka Connect's STOPPED: the tasks shut down (flush, commit, close), the config is kept.
    void stop(const std::string& name);
    // Kafka Connect's restart: the connector itself and, with `include_tasks`, its tasks; with
    // `only_failed`, only those that FAILED. A plugin has no connector object of its own, so
    // restarting the connector alone only matters when it FAILED (it could not be prepared): then
    // it is prepared and its tasks start again. A STOPPED connector has nothing to restart.
    // Restarted tasks show RESTARTING until they report in; each restart is counted.
    RestartOutcome restart(const std::string& name, bool include_tasks, bool only_failed);
    // One task; throws std::out_of_range when the connector has no task `task`.
    void restart_task(const std::string& name, int task);

    std::optional<ConnectorStatus> status(const std::string& name) const;
    std::vector<ConnectorStatus> statuses() const;  // by name
    std::vector<std::string> connectors() const;
    std::optional<ConnectorDefinition> definition(const std::string& name) const;
    std::optional<TargetState> target_state(const std::string& name) const;
    const std::string& worker_id() const { return options_.worker_id; }

    // Change notification: version() grows on every status change (and notify()); a waiter
    // passes the version it has seen and gets the current one back, at the latest after `timeout`.
    uint64_t version() const;
    uint64_t wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const;
    // Wakes waiters without a status change (e.g. a stop signal arrived). Safe from any thread.
    void notify();

    // Stops every connector's tasks at once (then waits for all). Their last statuses stay
    // readable: STOPPED, FINISHED or FAILED per task. No operation is accepted afterwards.
    void shutdown();

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
