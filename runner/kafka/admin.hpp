// Topic creation, so that connectors find their topics on any broker (auto-creation is off on
// the private broker, as it should be in production).
#pragma once

#include "kafka/client.hpp"

#include <map>
#include <string>
#include <vector>

namespace ingest::kafka {

struct TopicSpec {
    std::string name;
    int partitions;
    int replication_factor = 1;  // -1: the broker's default.replication.factor
    // Topic-level configs (cleanup.policy, segment.bytes, ...) the topic is created with.
    std::map<std::string, std::string> configs;
};

// Each request's admin client has the worker's properties and `overrides`, a connector's
// admin.override.* properties (client_conf).

// Creates the topics that do not exist yet, with their configs; existing topics are left as they
// are, and where an existing topic's config differs from its spec's, a warning names each setting.
// Returns once every partition of these topics has a leader that accepts requests (a producer
// that starts on a new topic at once would otherwise have its first batches refused), or warns
// after `timeout_ms`. Throws KafkaError naming the topic and the broker's reason.
void ensure_topics(const std::string& bootstrap, const std::vector<TopicSpec>& topics, const Properties& overrides = {},
                   int timeout_ms = 30000);

// A topic's configs as the broker describes them (name → value; sensitive ones without a value are
// left out). Throws KafkaError naming the topic.
std::map<std::string, std::string> describe_topic_configs(rd_kafka_t* handle, const std::string& bootstrap,
                                                          const std::string& topic, int timeout_ms = 10000);

// Partition count of a topic as the broker reports it, or -1 when it does not exist.
int partition_count(rd_kafka_t* handle, const std::string& topic, int timeout_ms = 10000);

// A consumer group's committed offsets, for Kafka Connect's KIP-875 offsets endpoints on sinks whose
// offsets are their group's. Altering and deleting need a group without active members (the
// connector is STOPPED); the broker refuses otherwise. Each throws KafkaError naming the group, and
// the partition when only some failed.
std::vector<PartitionOffset> committed_offsets(const std::string& bootstrap, const std::string& group,
                                               const Properties& overrides = {}, int timeout_ms = 30000);
void alter_committed_offsets(const std::string& bootstrap, const std::string& group,
                             const std::vector<PartitionOffset>& offsets, const Properties& overrides = {},
                             int timeout_ms = 30000);
void delete_committed_offsets(const std::string& bootstrap, const std::string& group,
                              const std::vector<PartitionOffset>& partitions, const Properties& overrides = {},
                              int timeout_ms = 30000);

}  // namespace ingest::kafka
