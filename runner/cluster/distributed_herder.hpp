// The herder of a worker in a cluster (`ingest run --cluster NAME`; Kafka Connect's distributed
// mode), coordinated through Kafka alone:
//
// - The config topic (cluster_topics.hpp) holds every connector's config as written, its target
//   state and restart requests. Every worker reads it to its end before it runs anything, then
//   follows it, so all workers apply the same changes in the same order. An operation on any
//   worker (REST, CLI) is a record written there; it returns once this worker has read it back.
// - Each task has a slot (a partition of the slots topic), fixed when its connector is created.
//   The workers' consumer group hands out the slots; a worker runs the tasks of the slots it
//   holds, in a StandaloneHerder of its own (HerderOptions::runs_task). When a worker leaves or
//   dies, the group hands its slots to the others and its tasks start there (kafka/
//   group_membership.hpp: a slot is revoked everywhere before anyone gets it again).
// - The status topic holds each task's status and the worker that runs it; every worker shows
//   every task from it (its own tasks from what they report directly).
//
// What a worker cannot keep from a zombie of itself (a worker frozen past its session whose tasks
// run on elsewhere meanwhile) is left to the sinks' own fencing: sink_postgres refuses a stale
// task's transactions (docs/guarantees.md).
#pragma once

#include "cluster/cluster_topics.hpp"
#include "kafka/compacted_log.hpp"
#include "kafka/group_membership.hpp"
#include "worker/config_store.hpp"
#include "worker/herder.hpp"
#include "worker/standalone_herder.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace ingest::cluster {

using worker::ConnectorDefinition;
using worker::TargetState;

struct ClusterOptions {
    std::string cluster;    // NAME: the topics and group of cluster_topics.hpp
    std::string bootstrap;  // the Kafka cluster the workers share (and every task talks to)
    std::string worker_id;  // must differ between the workers of a cluster
    // As HerderOptions::prepare: the connector's topics, before its tasks start.
    std::function<void(const config::ConnectorConfig&)> prepare;
    // A config as written (`${env:...}` unexpanded) validated against its plugin, as the REST API
    // does it (control::validate_values); throws config::ConfigError.
    std::function<ConnectorDefinition(const std::string& name, const worker::ConfigStore::Values& values)> resolve;
    // The group membership's client properties (session.timeout.ms: how soon a dead worker's
    // tasks move).
    kafka::Properties membership;
};

class DistributedHerder final : public worker::Herder, public worker::ConfigStore {
   public:
    // Creates the cluster's topics if needed, reads the config and status topics to their ends and
    // joins the workers' group. Throws kafka::KafkaError (or std::invalid_argument for a bad name).
    explicit DistributedHerder(ClusterOptions options);
    ~DistributedHerder() override;
    DistributedHerder(const DistributedHerder&) = delete;
    DistributedHerder& operator=(const DistributedHerder&) = delete;

    // worker::ConfigStore: the REST API's creates, updates and deletes.
    std::optional<Values> written(const std::string& name) const override;
    std::string write(const std::string& name, const Values& values) override;
    // remove() is Herder::remove below.

    worker::ConfigStore* config_store() override { return this; }
    // worker::Herder. apply() writes the definition's config (as validated); the REST API writes
    // the config as written through write().
    bool apply(ConnectorDefinition definition, TargetState initial = TargetState::started) override;
    bool remove(const std::string& name) override;
    void pause(const std::string& name) override;
    void resume(const std::string& name) override;
    void stop(const std::string& name) override;
    worker::RestartOutcome restart(const std::string& name, bool include_tasks, bool only_failed) override;
    void restart_task(const std::string& name, int task) override;
    std::vector<worker::ConnectorOffset> offsets(const std::string& name) override;
    void alter_offsets(const std::string& name, const std::vector<worker::ConnectorOffset>& changes) override;
    void reset_offsets(const std::string& name) override;
    bool remember_target_state(const std::string& name, TargetState state) override;

    std::optional<worker::ConnectorStatus> status(const std::string& name) const override;
    std::vector<worker::ConnectorStatus> statuses() const override;
    std::vector<std::string> connectors() const override;
    std::optional<ConnectorDefinition> definition(const std::string& name) const override;
    std::optional<TargetState> target_state(const std::string& name) const override;
    const std::string& worker_id() const override { return options_.worker_id; }

    uint64_t version() const override;
    uint64_t wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const override;
    void notify() override;
    void shutdown() override;

   private:
    // A connector as the config topic says it.
    struct Connector {
        Values values;           // as written
        std::vector<int> slots;  // task id -> slot
        TargetState target = TargetState::started;
        std::string error;       // why this worker could not resolve its config

        // A task beyond the record's slots (written by hand) shares a slot by its id.
        int slot_of(int task) const {
            return static_cast<size_t>(task) < slots.size() ? slots[static_cast<size_t>(task)] : task % kSlots;
        }
    };

    void on_config_record(const std::string& key, const std::optional<std::string>& value);
    void on_status_record(const std::string& key, const std::optional<std::string>& value);
    void on_assignment(const std::vector<int32_t>& slots);
    bool runs_task(const std::string& connector, int task) const;
    void publish_statuses();
    void write_target(const std::string& name, TargetState state);
    void change_target(const std::string& name, TargetState state);  // of an existing connector
    void write_config(const std::string& name, const Values& values, int tasks);
    const Connector& find(const std::string& name) const;  // under state_mutex_; throws UnknownConnector
    void changed();

    const ClusterOptions options_;
    const ClusterTopics topics_;
    worker::StandaloneHerder local_;  // this worker's share of the tasks

    mutable std::mutex state_mutex_;  // guards connectors_, held_, task_statuses_, caught_up_, version_
    mutable std::condition_variable state_changed_;
    std::map<std::string, Connector> connectors_;
    std::map<std::string, TargetState> early_targets_;  // target states written before their connector
    std::set<int> held_;  // slots this worker holds
    std::map<std::string, worker::TaskStatus> task_statuses_;  // the status topic: key -> status
    bool caught_up_ = false;  // the config topic was read to its end once (restart requests count after)
    uint64_t version_ = 0;

    std::mutex writing_;  // one config write at a time from this worker (slot choice)
    std::atomic<bool> closing_{false};
    std::once_flag shut_down_;
    std::unique_ptr<kafka::CompactedLog> status_log_;
    std::unique_ptr<kafka::CompactedLog> config_log_;
    std::unique_ptr<kafka::GroupMembership> membership_;
    std::thread publisher_;
};

}  // namespace ingest::cluster
