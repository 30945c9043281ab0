// Reads a plugin's descriptor as the plugin wrote it, whatever minor version of the ABI it was
// built against, into the layout this runner was built with. It is the one place that knows the
// rule of growth (plugin_abi.h): a field the plugin's struct_size does not cover reads as zero, and
// ABI 1.0's tables, which had no struct_size, are read in their own layout.
#pragma once

#include <ingest/plugin_abi.h>

#include <string>
#include <vector>

namespace ingest::plugin_host {

// The descriptor in this runner's layout, with its tables. Pointers to names, documentation and
// functions still point into the plugin, so the library stays loaded while this lives.
struct ReadDescriptor {
    ReadDescriptor() = default;
    ReadDescriptor(const ReadDescriptor&) = delete;  // points into itself
    ReadDescriptor& operator=(const ReadDescriptor&) = delete;

    ingest_plugin plugin{};  // source/sink/config_keys point into the members below
    ingest_source_api source{};
    ingest_sink_api sink{};
    std::vector<ingest_config_key> keys;
    std::vector<ingest_metric_def> metrics;  // 1.2; empty for older plugins
    // The ABI the plugin was built against: abi_version and, before 1.1, 0.
    uint32_t abi_minor = 0;
};

// Fills a fresh `out`. Returns everything wrong with the descriptor's shape (sizes too small to hold
// ABI 1.0's fields, config rows of different sizes) as one message, or an empty one.
std::string read_descriptor(const ingest_plugin& raw, ReadDescriptor& out);

}  // namespace ingest::plugin_host
