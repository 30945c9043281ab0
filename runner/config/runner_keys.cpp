#include "config/runner_keys.hpp"

#include <cstring>
#include <sstream>

namespace ingest::config {
namespace {

using Def = sdk::ConfigDef<RunnerSettings>;
using S = RunnerSettings;

const Def kCommon = Def()
    .key("plugin", &S::plugin, sdk::required, "Name of the plugin that runs this connector (see `ingest plugins list`).")
    .key("tasks.max", &S::tasks_max, 1, "Number of tasks (threads) the connector runs.")
    .between(1, 64)
    .key("topic.partitions", &S::topic_partitions, 6,
         "Partitions of topics the runner creates for this connector when they are missing.")
    .between(1, 1024)
    // Kafka Connect restarts failed tasks only when asked; a worker that runs unattended should
    // ride out a short outage by itself, within a limit, and then show FAILED.
    .key("errors.restart.max", &S::restart_max, 5,
         "Times a failed task is restarted automatically, with exponential backoff, before it stays FAILED "
         "(0: never). The count starts again once the task ran for errors.restart.backoff.max.ms without failing.")
    .between(0, 1000)
    .key("errors.restart.backoff.ms", &S::restart_backoff_ms, 1000,
         "Wait before the first automatic restart of a failed task; doubles with every further restart.")
    .between(1, 3600000)
    .key("errors.restart.backoff.max.ms", &S::restart_backoff_max_ms, 60000,
         "Longest wait before an automatic restart.")
    .between(1, 86400000)
    .rule([](const S& s, sdk::Problems& problems) {
        if (s.restart_backoff_max_ms < s.restart_backoff_ms)
            problems.push_back({"errors.restart.backoff.max.ms", "must not be below errors.restart.backoff.ms"});
    });

const Def kSource = Def()
    .key("topic", &S::topic, sdk::required, "Topic the source's records are produced to.")
    // Kafka Connect's KIP-158 names; the other topic.creation.default.* keys are a family of
    // names (config/topic_creation.*), so they cannot be rows of this table.
    .key("topic.creation.default.replication.factor", &S::topic_creation_replication_factor, -1,
         "Replication factor of the topic the runner creates for this source when it is missing (-1: the "
         "broker's default). Any Kafka topic config can be set for that topic the same way, as "
         "topic.creation.default.<config>, e.g. topic.creation.default.cleanup.policy=compact, "
         "segment.bytes, segment.ms, min.cleanable.dirty.ratio, delete.retention.ms, retention.ms. An "
         "existing topic is not altered; the runner logs each setting in which it differs.")
    .between(-1, 32767)
    .key("topic.creation.default.partitions", &S::topic_creation_partitions, -1,
         "Partitions of the topic the runner creates for this source when it is missing (-1: "
         "topic.partitions).")
    .between(-1, 1024)
    .rule([](const S& s, sdk::Problems& problems) {
        if (s.topic_creation_replication_factor == 0)
            problems.push_back({"topic.creation.default.replication.factor", "must be -1 or at least 1"});
        if (s.topic_creation_partitions == 0)
            problems.push_back({"topic.creation.default.partitions", "must be -1 or at least 1"});
    });

const Def kSink = Def()
    .key("topics", &S::topics, sdk::required, "Comma-separated topics the sink consumes.")
    // Large enough that a transactional sink's per-batch cost (a commit, an fsync) stays small
    // beside its rows: sink_postgres reaches 0.7 of plain COPY at 5000 and 0.89 at 20000.
    .key("batch.max.records", &S::batch_max_records, 20000, "Most records handed to one put() call.")
    .between(1, 1000000)
    .key("batch.max.ms", &S::batch_max_ms, 500,
         "Longest a batch waits to fill before put() is called, while records keep arriving (a batch goes at once "
         "when nothing more is fetched); also the idle tick of put() with an empty batch.")
    .between(1, 600000)
    .key("consumer.group", &S::consumer_group, "", "Consumer group id; empty means connect-<connector name>.")
    .key("errors.deadletterqueue.topic.name", &S::dead_letter_topic, "",
         "Dead-letter topic for records the sink rejects; empty means <first topic>.dlq.")
    .rule([](const S& s, sdk::Problems& problems) {
        if (split_topics(s.topics).empty()) problems.push_back({"topics", "names no topic"});
    });

}  // namespace

const sdk::ConfigDef<RunnerSettings>& common_runner_keys() { return kCommon; }

const sdk::ConfigDef<RunnerSettings>& runner_keys_for(ingest_plugin_kind kind) {
    return kind == INGEST_KIND_SOURCE ? kSource : kSink;
}

bool is_runner_key(const char* name) {
    for (const Def* def : {&kCommon, &kSource, &kSink})
        for (const auto& key : def->table())
            if (std::strcmp(key.name, name) == 0) return true;
    return false;
}

std::vector<std::string> split_topics(const std::string& topics) {
    std::vector<std::string> result;
    std::stringstream list(topics);
    for (std::string topic; std::getline(list, topic, ',');) {
        const auto first = topic.find_first_not_of(" \t");
        if (first == std::string::npos) continue;
        result.push_back(topic.substr(first, topic.find_last_not_of(" \t") - first + 1));
    }
    return result;
}

}  // namespace ingest::config
