#include "config/topic_creation.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <sstream>

namespace ingest::config {
namespace {

enum class TopicConfigType { Long, Ratio, Bool, CleanupPolicy, Compression, TimestampType, Text };

struct TopicConfig {
    const char* name;
    TopicConfigType type;
};

// Kafka's topic-level configs (Apache Kafka 3.9, "Topic-Level Configs"). Only the names and the
// shape of their values are checked here; the broker checks their ranges.
constexpr TopicConfig kTopicConfigs[] = {
    {"cleanup.policy", TopicConfigType::CleanupPolicy},
    {"compression.type", TopicConfigType::Compression},
    {"delete.retention.ms", TopicConfigType::Long},
    {"file.delete.delay.ms", TopicConfigType::Long},
    {"flush.messages", TopicConfigType::Long},
    {"flush.ms", TopicConfigType::Long},
    {"follower.replication.throttled.replicas", TopicConfigType::Text},
    {"index.interval.bytes", TopicConfigType::Long},
    {"leader.replication.throttled.replicas", TopicConfigType::Text},
    {"local.retention.bytes", TopicConfigType::Long},
    {"local.retention.ms", TopicConfigType::Long},
    {"max.compaction.lag.ms", TopicConfigType::Long},
    {"max.message.bytes", TopicConfigType::Long},
    {"message.downconversion.enable", TopicConfigType::Bool},
    {"message.timestamp.after.max.ms", TopicConfigType::Long},
    {"message.timestamp.before.max.ms", TopicConfigType::Long},
    {"message.timestamp.difference.max.ms", TopicConfigType::Long},
    {"message.timestamp.type", TopicConfigType::TimestampType},
    {"min.cleanable.dirty.ratio", TopicConfigType::Ratio},
    {"min.compaction.lag.ms", TopicConfigType::Long},
    {"min.insync.replicas", TopicConfigType::Long},
    {"preallocate", TopicConfigType::Bool},
    {"remote.storage.enable", TopicConfigType::Bool},
    {"retention.bytes", TopicConfigType::Long},
    {"retention.ms", TopicConfigType::Long},
    {"segment.bytes", TopicConfigType::Long},
    {"segment.index.bytes", TopicConfigType::Long},
    {"segment.jitter.ms", TopicConfigType::Long},
    {"segment.ms", TopicConfigType::Long},
    {"unclean.leader.election.enable", TopicConfigType::Bool},
};

const TopicConfig* find_topic_config(const std::string& name) {
    for (const auto& config : kTopicConfigs)
        if (name == config.name) return &config;
    return nullptr;
}

bool is_long(const std::string& value) {
    if (value.empty()) return false;
    char* end = nullptr;
    errno = 0;
    std::strtoll(value.c_str(), &end, 10);
    return errno == 0 && *end == '\0';
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    return first == std::string::npos ? "" : text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// The problem with `value` for `config`, or empty.
std::string check_topic_config_value(const TopicConfig& config, const std::string& value) {
    switch (config.type) {
        case TopicConfigType::Long:
            return is_long(value) ? "" : "must be an integer, not '" + value + "'";
        case TopicConfigType::Ratio: {
            char* end = nullptr;
            const double ratio = value.empty() ? -1 : std::strtod(value.c_str(), &end);
            return !value.empty() && *end == '\0' && ratio >= 0 && ratio <= 1
                       ? ""
                       : "must be a number from 0 to 1, not '" + value + "'";
        }
        case TopicConfigType::Bool:
            return value == "true" || value == "false" ? "" : "must be true or false, not '" + value + "'";
        case TopicConfigType::CleanupPolicy: {
            // A comma-separated list of delete and compact, as Kafka takes it.
            std::set<std::string> policies;
            std::stringstream list(value);
            for (std::string item; std::getline(list, item, ',');) {
                item = trimmed(item);
                if (item != "delete" && item != "compact")
                    return "must be delete, compact or compact,delete, not '" + value + "'";
                policies.insert(item);
            }
            return policies.empty() ? "must be delete, compact or compact,delete, not empty" : "";
        }
        case TopicConfigType::Compression: {
            static const std::set<std::string> kCodecs = {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"};
            return kCodecs.contains(value) ? ""
                                           : "must be one of uncompressed, zstd, lz4, snappy, gzip, producer, not '" +
                                                 value + "'";
        }
        case TopicConfigType::TimestampType:
            return value == "CreateTime" || value == "LogAppendTime"
                       ? ""
                       : "must be CreateTime or LogAppendTime, not '" + value + "'";
        case TopicConfigType::Text:
            return "";
    }
    return "";
}

}  // namespace

bool is_topic_creation_key(const std::string& key) { return key.starts_with(kTopicCreationPrefix); }

std::optional<std::string> apply_topic_creation_key(const std::string& key, const std::string& value,
                                                    ingest_plugin_kind kind,
                                                    std::map<std::string, std::string>& configs) {
    if (kind != INGEST_KIND_SOURCE)
        return "topic.creation.* keys set up the topic a source writes; a sink's topics are created "
               "by their source (or by hand)";
    if (!key.starts_with(kTopicCreationDefaultPrefix)) {
        if (key == "topic.creation.groups" || key == "topic.creation.enable")
            return "is Kafka Connect's, but not supported here: a source writes one topic, so only the "
                   "`default` group (topic.creation.default.*) exists, and topic creation is always on";
        return "unknown topic creation key: only topic.creation.default.<topic config> keys exist";
    }
    const std::string name = key.substr(std::string(kTopicCreationDefaultPrefix).size());
    const TopicConfig* config = find_topic_config(name);
    if (!config) {
        std::string known;
        for (const auto& c : kTopicConfigs) known += (known.empty() ? "" : ", ") + std::string(c.name);
        return "'" + name + "' is not a Kafka topic config (topic.creation.default.<config> takes one of: " +
               known + ", or replication.factor and partitions)";
    }
    if (std::string problem = check_topic_config_value(*config, value); !problem.empty()) return problem;
    configs[name] = value;
    return std::nullopt;
}

}  // namespace ingest::config
