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
    sink_records_lost,
    sink_end_to_end_latency,
    task_state,
    task_restarts,
    task_errors,
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

// The classes of `ingest_task_errors_total`: what the pipeline tells apart when something goes
// wrong in a task. Each has a name (the `class` label) and the kinds of task that can record it.
enum class ErrorClass : size_t {
    retriable,    // a source's poll() or a sink's put() returned RETRIABLE: retried after a backoff
    fatal,        // the task failed (FAILED; an automatic restart may follow)
    dead_letter,  // a sink sent a record to its dead-letter topic
    commit,       // a sink's offset commit failed (pre_commit() RETRIABLE, or refused by the group)
    delivery,     // the broker finally refused a source's record (delivery report with an error)
    count
};
std::string_view error_class_name(ErrorClass error_class);
// Whether a task of this kind (INGEST_KIND_SOURCE or INGEST_KIND_SINK) can record the class.
bool error_class_applies(ErrorClass error_class, bool source);

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
