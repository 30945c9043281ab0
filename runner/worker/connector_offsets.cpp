#include "worker/connector_offsets.hpp"

#include "kafka/admin.hpp"
#include "worker/herder.hpp"
#include "log/logging.hpp"
#include "pipeline/plugin_task.hpp"

#include <algorithm>
#include <functional>

namespace ingest::worker {
namespace {

void sort(std::vector<ConnectorOffset>& offsets) {
    std::sort(offsets.begin(), offsets.end(), [](const ConnectorOffset& a, const ConnectorOffset& b) {
        return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
    });
}

// Runs `use` on a started task of the plugin that owns the connector's offsets, then stops it.
void with_offsets_task(const ConnectorDefinition& connector,
                       const std::function<pipeline::CallResult(pipeline::PluginTask&, const ingest_sink_api&)>& use) {
    const auto& config = connector.config;
    const ingest_sink_api& sink = *connector.library->descriptor().sink;
    if (!sink.list_offsets || !sink.alter_offsets)
        throw OffsetsUnsupported("plugin '" + connector.library->name() + "' stores the offsets of connector '" +
                                 config.name + "' itself but was built against ABI 1." +
                                 std::to_string(connector.library->descriptor().abi_minor) +
                                 ", which cannot read or change them (1.3 can: rebuild it with the current SDK)");
    pipeline::PluginTask task(connector.library, config.name, 0, config.runner.tasks_max, pipeline::HostServices{});
    auto started = task.start(config.plugin);
    if (!started.ok()) throw std::runtime_error("cannot start a task to reach the stored offsets: " + started.message);
    auto result = use(task, sink);
    auto stopped = task.stop();
    if (!result.ok()) throw std::runtime_error(result.message);
    if (!stopped.ok()) log::warn(task.label()) << "stop() after the offsets operation: " << stopped.message;
}

std::vector<kafka::PartitionOffset> group_form(const std::vector<ConnectorOffset>& offsets) {
    std::vector<kafka::PartitionOffset> result;
    for (const auto& o : offsets) result.push_back({o.topic, o.partition, o.offset.value_or(-1)});
    return result;
}

void check_changes(const config::ConnectorConfig& config, const std::vector<ConnectorOffset>& changes) {
    const auto topics = config.topics();
    for (const auto& change : changes) {
        if (std::find(topics.begin(), topics.end(), change.topic) == topics.end())
            throw OffsetsRefused("connector '" + config.name + "' does not consume topic '" + change.topic +
                                 "' (its topics: " + config.runner.topics + ")");
        if (change.partition < 0)
            throw OffsetsRefused("partition " + std::to_string(change.partition) + " of topic '" + change.topic +
                                 "' is negative");
        if (change.offset && *change.offset < 0)
            throw OffsetsRefused("offset " + std::to_string(*change.offset) + " for " + change.topic + "-" +
                                 std::to_string(change.partition) + " is negative (null resets a partition)");
    }
}

// Applies `changes` to wherever a sink's offsets live, unchecked.
void apply_changes(const ConnectorDefinition& connector, const std::string& bootstrap,
                   const std::vector<ConnectorOffset>& changes) {
    if (changes.empty()) return;
    if (offset_store(connector) == OffsetStore::plugin) {
        std::vector<ingest_topic_partition> raw;
        for (const auto& change : changes)
            raw.push_back({change.topic.c_str(), change.partition, change.offset.value_or(INGEST_OFFSET_NONE)});
        with_offsets_task(connector, [&](pipeline::PluginTask& task, const ingest_sink_api& sink) {
            return task.call("alter_offsets", [&](void* t, ingest_error* error) {
                return sink.alter_offsets(t, raw.data(), raw.size(), error);
            });
        });
        return;
    }
    std::vector<ConnectorOffset> set, forget;
    for (const auto& change : changes) (change.offset ? set : forget).push_back(change);
    // Two requests: a group's offsets cannot be set and deleted in one.
    const auto group = connector.config.consumer_group();
    const auto& overrides = connector.config.client_overrides.admin;
    kafka::alter_committed_offsets(bootstrap, group, group_form(set), overrides);
    kafka::delete_committed_offsets(bootstrap, group, group_form(forget), overrides);
}

[[noreturn]] void refuse_source(const config::ConnectorConfig& config) {
    throw OffsetsRefused("connector '" + config.name +
                         "' is a source: this worker keeps no source offsets to change (its plugin decides "
                         "where it resumes)");
}

}  // namespace

OffsetStore offset_store(const ConnectorDefinition& connector) {
    if (connector.config.kind == INGEST_KIND_SOURCE) return OffsetStore::none;
    const ingest_sink_api* sink = connector.library ? connector.library->descriptor().sink : nullptr;
    return sink && sink->owns_offsets ? OffsetStore::plugin : OffsetStore::consumer_group;
}

std::vector<ConnectorOffset> read_offsets(const ConnectorDefinition& connector, const std::string& bootstrap) {
    const auto& config = connector.config;
    std::vector<ConnectorOffset> offsets;
    const OffsetStore store = offset_store(connector);
    if (store == OffsetStore::none) return offsets;
    if (store == OffsetStore::plugin) {
        struct Collect {
            static void each(void* context, const char* topic, int32_t partition, int64_t offset) {
                static_cast<std::vector<ConnectorOffset>*>(context)->push_back(
                    {topic ? topic : "", partition, offset >= 0 ? std::optional<int64_t>(offset) : std::nullopt});
            }
        };
        with_offsets_task(connector, [&](pipeline::PluginTask& task, const ingest_sink_api& sink) {
            return task.call("list_offsets", [&](void* t, ingest_error* error) {
                return sink.list_offsets(t, &Collect::each, &offsets, error);
            });
        });
        std::erase_if(offsets, [](const ConnectorOffset& o) { return !o.offset; });
    } else {
        for (const auto& committed : kafka::committed_offsets(bootstrap, config.consumer_group(), config.client_overrides.admin))
            offsets.push_back({committed.topic, committed.partition, committed.offset});
    }
    sort(offsets);
    return offsets;
}

void alter_offsets(const ConnectorDefinition& connector, const std::string& bootstrap,
                   const std::vector<ConnectorOffset>& changes) {
    if (offset_store(connector) == OffsetStore::none) refuse_source(connector.config);
    check_changes(connector.config, changes);
    apply_changes(connector, bootstrap, changes);
    log::info("worker") << "connector " << connector.config.name << ": altered " << changes.size() << " offset(s)";
}

void reset_offsets(const ConnectorDefinition& connector, const std::string& bootstrap) {
    if (offset_store(connector) == OffsetStore::none) return;  // nothing stored, nothing to forget
    // Every stored offset, also of topics the connector no longer consumes.
    auto stored = read_offsets(connector, bootstrap);
    for (auto& offset : stored) offset.offset.reset();
    apply_changes(connector, bootstrap, stored);
    log::info("worker") << "connector " << connector.config.name << ": reset " << stored.size() << " offset(s)";
}

}  // namespace ingest::worker
