#include "config/runner_keys.hpp"

#include <ingest/sdk.hpp>

#include <cstring>

namespace ingest::config {
namespace {

using sdk::int_key;
using sdk::string_key;

constexpr ingest_config_key kCommon[] = {
    string_key("plugin", nullptr, "Name of the plugin that runs this connector (see `ingest plugins list`)."),
    int_key("tasks.max", "1", "Number of tasks (threads) the connector runs.", 1, 64),
    int_key("topic.partitions", "6",
            "Partitions of topics the runner creates for this connector when they are missing.", 1, 1024),
};

constexpr ingest_config_key kSource[] = {
    string_key("topic", nullptr, "Topic the source's records are produced to."),
};

constexpr ingest_config_key kSink[] = {
    string_key("topics", nullptr, "Comma-separated topics the sink consumes."),
    // Large enough that a transactional sink's per-batch cost (a commit, an fsync) stays small
    // beside its rows: sink_postgres reaches 0.7 of plain COPY at 5000 and 0.89 at 20000.
    int_key("batch.max.records", "20000", "Most records handed to one put() call.", 1, 1000000),
    int_key("batch.max.ms", "500",
            "Longest a batch waits to fill before put() is called; also the idle tick of put() "
            "with an empty batch.",
            1, 600000),
    string_key("consumer.group", "", "Consumer group id; empty means connect-<connector name>."),
    string_key("errors.deadletterqueue.topic.name", "",
               "Dead-letter topic for records the sink rejects; empty means <first topic>.dlq."),
};

}  // namespace

std::span<const ingest_config_key> common_runner_keys() { return kCommon; }
std::span<const ingest_config_key> source_runner_keys() { return kSource; }
std::span<const ingest_config_key> sink_runner_keys() { return kSink; }

std::span<const ingest_config_key> runner_keys_for(ingest_plugin_kind kind) {
    return kind == INGEST_KIND_SOURCE ? source_runner_keys() : sink_runner_keys();
}

bool is_runner_key(const char* name) {
    for (auto table : {common_runner_keys(), source_runner_keys(), sink_runner_keys()})
        for (const auto& key : table)
            if (std::strcmp(key.name, name) == 0) return true;
    return false;
}

}  // namespace ingest::config
