// The herder (Kafka Connect's word): the one object that owns the connectors of a worker. Per
// connector it holds the validated config and the plugin library it runs on, its tasks, its target
// state (started, paused, stopped) and its status. The worker loop, the status file and the control
// plane (REST, config watcher) all go through this interface, never around it; route tests can use
// a fake. StandaloneHerder (standalone_herder.hpp) runs every connector in this process.
#pragma once

#include "config/connector_config.hpp"
#include "pipeline/task_runner.hpp"
#include "plugin_host/plugin_library.hpp"
#include "worker/connector_offsets.hpp"
#include "worker/status_model.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
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

class UnknownConnector : public std::runtime_error {
   public:
    explicit UnknownConnector(const std::string& name) : std::runtime_error("unknown connector '" + name + "'") {}
};

// Altering or resetting offsets needs the connector STOPPED (Kafka Connect's KIP-875).
class ConnectorNotStopped : public std::runtime_error {
   public:
    explicit ConnectorNotStopped(const std::string& name)
        : std::runtime_error("Connectors must be in the STOPPED state before their offsets can be modified. This "
                             "can be done for the specified connector by issuing a 'PUT' request to the "
                             "'/connectors/" + name + "/stop' endpoint") {}
};

// What restart() restarted.
struct RestartOutcome {
    bool connector = false;
    std::vector<int> tasks;
};

class ConfigStore;

class Herder {
   public:
    virtual ~Herder() = default;

    // Where the REST API writes connector configs when this herder keeps them itself (cluster
    // mode: its config topic); nullptr: in connectors.d/ files, which the config watcher applies.
    virtual ConfigStore* config_store() { return nullptr; }

    // Creates the connector, or replaces the config of an existing one: only that connector's
    // tasks stop and start again with the new config, in its current target state (`initial`
    // applies to a new connector only, unless a target state saved for its name before a worker
    // restart says otherwise). Returns true when it was created.
    virtual bool apply(ConnectorDefinition definition, TargetState initial = TargetState::started) = 0;
    // Stops the connector's tasks and forgets it. False when there was no such connector.
    virtual bool remove(const std::string& name) = 0;

    // pause, resume and stop set the connector's target state, which a herder keeps across worker
    // restarts (StandaloneHerder: in HerderOptions::target_state_file).
    // Kafka Connect's PAUSED: tasks stay up (sinks keep their consumer group membership) but
    // make no progress. Throws UnknownConnector, as do the operations below.
    virtual void pause(const std::string& name) = 0;
    // Back to RUNNING, from PAUSED or STOPPED (then the tasks start again).
    virtual void resume(const std::string& name) = 0;
    // Kafka Connect's STOPPED: the tasks shut down (flush, commit, close), the config is kept.
    virtual void stop(const std::string& name) = 0;
    // Kafka Connect's restart: the connector itself and, with `include_tasks`, its tasks; with
    // `only_failed`, only those that FAILED. A plugin has no connector object of its own, so
    // restarting the connector alone only matters when it FAILED (it could not be prepared): then
    // it is prepared and its tasks start again. A STOPPED connector has nothing to restart.
    // Restarted tasks show RESTARTING until they report in; each restart is counted.
    virtual RestartOutcome restart(const std::string& name, bool include_tasks, bool only_failed) = 0;
    // One task; throws std::out_of_range when the connector has no task `task`.
    virtual void restart_task(const std::string& name, int task) = 0;

    // Kafka Connect's KIP-875 offsets (connector_offsets.hpp says where they live). Reading works
    // in any state; altering and resetting throw ConnectorNotStopped unless the connector is
    // STOPPED, and no operation on the connector runs meanwhile.
    virtual std::vector<ConnectorOffset> offsets(const std::string& name) = 0;
    virtual void alter_offsets(const std::string& name, const std::vector<ConnectorOffset>& changes) = 0;
    virtual void reset_offsets(const std::string& name) = 0;

    // Shows why the newest version of the connector's file was not applied (`error` names the file
    // and every problem) while the running version keeps running; empty clears it. apply() clears
    // it too. Unknown connectors are ignored. A herder that cannot show it may ignore it.
    virtual void set_config_error(const std::string& name, const std::string& error) {
        (void)name;
        (void)error;
    }

    // Keeps the target state a connector that does not exist yet starts in once its config
    // arrives (REST's `initial_state`: the file is written next and the watcher applies it).
    // False when this herder cannot keep target states, or the connector already exists.
    virtual bool remember_target_state(const std::string& name, TargetState state) {
        (void)name;
        (void)state;
        return false;
    }

    virtual std::optional<ConnectorStatus> status(const std::string& name) const = 0;
    virtual std::vector<ConnectorStatus> statuses() const = 0;  // by name
    virtual std::vector<std::string> connectors() const = 0;
    virtual std::optional<ConnectorDefinition> definition(const std::string& name) const = 0;
    virtual std::optional<TargetState> target_state(const std::string& name) const = 0;
    virtual const std::string& worker_id() const = 0;

    // Change notification: version() grows on every status change (and notify()); a waiter
    // passes the version it has seen and gets the current one back, at the latest after `timeout`.
    virtual uint64_t version() const = 0;
    virtual uint64_t wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const = 0;
    // Wakes waiters without a status change (e.g. a stop signal arrived). Safe from any thread.
    virtual void notify() = 0;

    // Stops every connector's tasks at once (then waits for all). Their last statuses stay
    // readable: STOPPED, FINISHED or FAILED per task. No operation is accepted afterwards.
    virtual void shutdown() = 0;
};

}  // namespace ingest::worker
