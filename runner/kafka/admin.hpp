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

}  // namespace ingest::kafka
