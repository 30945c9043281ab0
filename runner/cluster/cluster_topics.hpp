// The Kafka names a cluster of workers shares (`ingest run --cluster NAME`), and how its topics
// are created: by the first worker, like Kafka Connect's config.storage.topic and
// status.storage.topic.
#pragma once

#include "kafka/admin.hpp"

#include <string>
#include <vector>

namespace ingest::cluster {

// Task slots: a task runs on the worker that holds its slot. 48 slots spread evenly over up to 48
// workers; a connector's tasks take the lowest free slots when it is created.
inline constexpr int kSlots = 48;

struct ClusterTopics {
    std::string configs;  // ingest-NAME-configs: connector configs, target states, restart requests
    std::string status;   // ingest-NAME-status: where each task runs and what it is doing
    std::string slots;    // ingest-NAME-slots: never written; its partitions are the task slots
    std::string group;    // ingest-NAME-workers: the workers' group, which hands out the slots

    // Throws std::invalid_argument when `cluster` is not a usable name (letters, digits, . _ -).
    static ClusterTopics of(const std::string& cluster);
    // configs and status: one partition, cleanup.policy=compact, the broker's replication factor;
    // slots: kSlots partitions.
    std::vector<kafka::TopicSpec> specs() const;
};

}  // namespace ingest::cluster
