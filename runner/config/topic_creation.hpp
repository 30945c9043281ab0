// Kafka Connect's topic creation keys for source connectors (KIP-158): `topic.creation.default.*`
// gives the settings of the topic the runner creates for a source when it does not exist yet.
//
//   topic.creation.default.replication.factor   runner key (runner_keys.cpp), -1: the broker's default
//   topic.creation.default.partitions           runner key (runner_keys.cpp), -1: topic.partitions
//   topic.creation.default.<topic config>       any of Kafka's topic-level configs, e.g.
//                                               cleanup.policy=compact, segment.bytes, segment.ms,
//                                               min.cleanable.dirty.ratio, delete.retention.ms
//
// Only the `default` group exists here (Kafka Connect's `topic.creation.groups` matches topics by
// regex; a source of this runner writes one topic). The names are Kafka's topic configs, checked
// against the table in topic_creation.cpp, so a typo is refused when the connector is validated
// rather than by the broker once the connector starts; the broker still checks the values' ranges
// when it creates the topic, and its refusal names the topic and the reason.
#pragma once

#include <ingest/plugin_abi.h>

#include <map>
#include <optional>
#include <string>

namespace ingest::config {

inline constexpr const char* kTopicCreationPrefix = "topic.creation.";
inline constexpr const char* kTopicCreationDefaultPrefix = "topic.creation.default.";

// Whether `key` starts with `topic.creation.` (the runner's keys among them included).
bool is_topic_creation_key(const std::string& key);

// Checks one `topic.creation.*` key that is not a declared runner key and, when it is a topic
// config, adds it to `configs` (topic config name → value). Returns the problem, if any.
std::optional<std::string> apply_topic_creation_key(const std::string& key, const std::string& value,
                                                    ingest_plugin_kind kind,
                                                    std::map<std::string, std::string>& configs);

}  // namespace ingest::config
