#include "plugin_host/descriptor_reader.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>

namespace ingest::plugin_host {
namespace {

// ABI 1.0, frozen: its API tables and config rows were the 1.1 ones without the leading
// struct_size, and its descriptor the 1.1 one up to, not including, abi_minor.
namespace abi_1_0 {
struct source_api {
    ingest_status (*poll)(void*, ingest_emit_fn, void*, ingest_error*);
    void (*record_delivered)(void*, uint64_t, int32_t, int64_t, const char*);
    ingest_status (*commit)(void*, ingest_error*);
};
struct sink_api {
    ingest_status (*open)(void*, ingest_topic_partition*, size_t, ingest_error*);
    ingest_status (*put)(void*, const ingest_record*, size_t, ingest_error*);
    ingest_status (*pre_commit)(void*, ingest_topic_partition*, size_t, ingest_error*);
    ingest_status (*close)(void*, const ingest_topic_partition*, size_t, ingest_error*);
    int owns_offsets;
    int reports_verdict;
};
struct config_key {
    const char* name;
    ingest_config_type type;
    const char* default_value;
    const char* documentation;
    int has_min;
    double min;
    int has_max;
    double max;
    const char* const* allowed_values;
};
constexpr size_t kDescriptorSize = offsetof(ingest_plugin, abi_minor);
}  // namespace abi_1_0

// Copies the part of `from` its writer's struct_size covers; the rest of `to` stays zero.
template <typename T>
void copy_covered(const T* from, uint32_t writer_size, T& to) {
    to = T{};
    std::memcpy(&to, from, std::min<size_t>(writer_size, sizeof(T)));
    to.struct_size = sizeof(T);
}

// What a 1.1 writer's table must at least hold: everything up to the end of its last 1.0 field.
constexpr uint32_t kMinSourceApi = offsetof(ingest_source_api, commit) + sizeof(ingest_source_api::commit);
constexpr uint32_t kMinSinkApi = offsetof(ingest_sink_api, reports_verdict) + sizeof(ingest_sink_api::reports_verdict);
constexpr uint32_t kMinConfigKey =
    offsetof(ingest_config_key, allowed_values) + sizeof(ingest_config_key::allowed_values);
// A 1.2 metric row: everything up to the end of `type`.
constexpr uint32_t kMinMetricDef = offsetof(ingest_metric_def, type) + sizeof(ingest_metric_def::type);

// Copies a table whose rows all share the first row's struct_size (its stride) into `out`.
template <typename Row>
void read_rows(const Row* rows, size_t count, uint32_t minimum, const char* what, std::vector<Row>& out,
               const std::function<void(const std::string&)>& add) {
    if (!rows || count == 0) return;
    const uint32_t stride = rows[0].struct_size;
    if (stride < minimum) {
        add(std::string("a ") + what + " row is " + std::to_string(stride) + " bytes, at least " +
            std::to_string(minimum) + " expected");
        return;
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(rows);
    for (size_t i = 0; i < count; ++i) {
        const auto* row = reinterpret_cast<const Row*>(bytes + i * stride);
        if (row->struct_size != stride) {
            add(std::string(what) + " row " + std::to_string(i) + " is " + std::to_string(row->struct_size) +
                " bytes, the first is " + std::to_string(stride) + "; all rows must be the same size");
            return;
        }
        copy_covered(row, stride, out.emplace_back());
    }
}

std::string read_1_0(const ingest_plugin& raw, ReadDescriptor& out) {
    if (raw.source) {
        const auto* old = reinterpret_cast<const abi_1_0::source_api*>(raw.source);
        out.source = {sizeof(ingest_source_api), old->poll, old->record_delivered, old->commit};
    }
    if (raw.sink) {
        const auto* old = reinterpret_cast<const abi_1_0::sink_api*>(raw.sink);
        out.sink = {sizeof(ingest_sink_api), old->open,         old->put, old->pre_commit,
                    old->close,              old->owns_offsets, old->reports_verdict};
    }
    if (raw.config_keys) {
        const auto* old = reinterpret_cast<const abi_1_0::config_key*>(raw.config_keys);
        for (size_t i = 0; i < raw.config_key_count; ++i)
            out.keys.push_back({sizeof(ingest_config_key), old[i].name, old[i].type, old[i].default_value,
                                old[i].documentation, old[i].has_min, old[i].min, old[i].has_max, old[i].max,
                                old[i].allowed_values});
    }
    return {};
}

std::string read_1_1(const ingest_plugin& raw, ReadDescriptor& out) {
    std::string problems;
    auto add = [&](const std::string& problem) { problems += (problems.empty() ? "" : "; ") + problem; };
    auto too_small = [](const char* what, uint32_t size, uint32_t minimum) {
        return std::string(what) + " is " + std::to_string(size) + " bytes, at least " + std::to_string(minimum) +
               " expected";
    };
    if (raw.source) {
        if (raw.source->struct_size < kMinSourceApi) add(too_small("its source table", raw.source->struct_size, kMinSourceApi));
        else copy_covered(raw.source, raw.source->struct_size, out.source);
    }
    if (raw.sink) {
        if (raw.sink->struct_size < kMinSinkApi) add(too_small("its sink table", raw.sink->struct_size, kMinSinkApi));
        else copy_covered(raw.sink, raw.sink->struct_size, out.sink);
    }
    read_rows(raw.config_keys, raw.config_key_count, kMinConfigKey, "config key", out.keys, add);
    // 1.2: only when the plugin's descriptor covers the table (copy_covered left it zero otherwise).
    read_rows(out.plugin.metrics, out.plugin.metric_count, kMinMetricDef, "metric", out.metrics, add);
    return problems;
}

}  // namespace

std::string read_descriptor(const ingest_plugin& raw, ReadDescriptor& out) {
    if (raw.struct_size < abi_1_0::kDescriptorSize)
        return "its descriptor is " + std::to_string(raw.struct_size) + " bytes, at least " +
               std::to_string(abi_1_0::kDescriptorSize) + " expected";
    copy_covered(&raw, raw.struct_size, out.plugin);
    const bool is_1_0 = !INGEST_STRUCT_HAS(&raw, ingest_plugin, abi_minor);
    out.abi_minor = is_1_0 ? 0 : raw.abi_minor;
    std::string problems = is_1_0 ? read_1_0(raw, out) : read_1_1(raw, out);
    out.plugin.source = raw.source ? &out.source : nullptr;
    out.plugin.sink = raw.sink ? &out.sink : nullptr;
    out.plugin.config_keys = out.keys.empty() ? nullptr : out.keys.data();
    out.plugin.config_key_count = out.keys.size();
    out.plugin.metrics = out.metrics.empty() ? nullptr : out.metrics.data();
    out.plugin.metric_count = out.metrics.size();
    out.plugin.abi_minor = out.abi_minor;
    return problems;
}

}  // namespace ingest::plugin_host
