// Topic creation, so that connectors find their topics on any broker (auto-creation is off on
// the private broker, as it should be in production).
#pragma once

#include "kafka/client.hpp"

#include <string>
#include <vector>

namespace ingest::kafka {

struct TopicSpec {
    std::string name;
    int partitions;
};

// Creates the topics that do not exist yet; existing topics are left as they are. Throws
// KafkaError naming the topic and the broker's reason.
void ensure_topics(const std::string& bootstrap, const std::vector<TopicSpec>& topics, int timeout_ms = 30000);

// Partition count of a topic as the broker reports it, or -1 when it does not exist.
int partition_count(rd_kafka_t* handle, const std::string& topic, int timeout_ms = 10000);

// A consumer group's committed offsets, for Kafka Connect's KIP-875 offsets endpoints on sinks whose
// offsets are their group's. Altering and deleting need a group without active members (the
// connector is STOPPED); the broker refuses otherwise. Each throws KafkaError naming the group, and
// the partition when only some failed.
std::vector<PartitionOffset> committed_offsets(const std::string& bootstrap, const std::string& group,
                                               int timeout_ms = 30000);
void alter_committed_offsets(const std::string& bootstrap, const std::string& group,
                             const std::vector<PartitionOffset>& offsets, int timeout_ms = 30000);
void delete_committed_offsets(const std::string& bootstrap, const std::string& group,
                              const std::vector<PartitionOffset>& partitions, int timeout_ms = 30000);

}  // namespace ingest::kafka
