#include "plugin_host/descriptor_reader.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

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
    if (raw.config_keys && raw.config_key_count > 0) {
        // One stride for the whole array: the first row's size.
        const uint32_t stride = raw.config_keys[0].struct_size;
        if (stride < kMinConfigKey) {
            add(too_small("a config key row", stride, kMinConfigKey));
        } else {
            const auto* bytes = reinterpret_cast<const unsigned char*>(raw.config_keys);
            for (size_t i = 0; i < raw.config_key_count; ++i) {
                const auto* row = reinterpret_cast<const ingest_config_key*>(bytes + i * stride);
                if (row->struct_size != stride) {
                    add("config key row " + std::to_string(i) + " is " + std::to_string(row->struct_size) +
                        " bytes, the first is " + std::to_string(stride) + "; all rows must be the same size");
                    break;
                }
                copy_covered(row, stride, out.keys.emplace_back());
            }
        }
    }
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
    out.plugin.abi_minor = out.abi_minor;
    return problems;
}

}  // namespace ingest::plugin_host
