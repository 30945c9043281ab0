// Every metric family the runner exports, declared once: name, help, type and labels. The registry
// (metrics.hpp) registers exactly these, and `ingest metrics describe` prints them (docs/metrics.md
// is generated from it and checked for drift), so the exposition and its docs cannot disagree.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::metrics {

enum class Type { counter, gauge, histogram };
const char* type_name(Type type);

// Rows of the table, in the order of kFamilies below.
enum class FamilyId : size_t {
    source_records_polled,
    source_records_written,
    source_records_failed,
    task_batches,
    task_batch_duration,
    sink_records_put,
    sink_records_dead_lettered,
    sink_put_retries,
    sink_offset_commits,
    sink_consumer_lag,
    sink_end_to_end_latency,
    task_state,
    task_restarts,
    count
};

struct FamilyDef {
    FamilyId id;
    std::string_view name;
    Type type;
    std::vector<std::string_view> labels;
    std::string_view help;
    std::vector<double> buckets;  // histograms only: upper bounds in seconds
};

// The whole table, indexed by FamilyId.
const std::vector<FamilyDef>& families();
const FamilyDef& family(FamilyId id);

// Plugin metrics (ABI 1.2): `ingest_plugin_<plugin>_<metric>`, `_total` appended to counters.
std::string plugin_metric_name(std::string_view plugin, std::string_view metric, Type type);
// The labels of every plugin series.
std::span<const std::string_view> plugin_metric_labels();

// One plugin's declared metric, as `describe` lists it.
struct PluginMetricDoc {
    std::string plugin;
    std::string name;  // the declared name, without prefix or suffix
    Type type;
    std::string help;
};

// The Markdown reference: the runner's families, then every plugin's declared metrics.
std::string describe_markdown(const std::vector<PluginMetricDoc>& plugin_metrics);

}  // namespace ingest::metrics
