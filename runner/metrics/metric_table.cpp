#include "metrics/metric_table.hpp"

#include <sstream>
#include <stdexcept>

namespace ingest::metrics {
namespace {

constexpr std::string_view kConnector = "connector";
constexpr std::string_view kTask = "task";

// Batch calls: from half a millisecond (an in-memory sink) to ten seconds (a database retrying).
const std::vector<double> kBatchBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,    1,     2.5,    5,     10};
// Record timestamp to applied: from a millisecond to minutes behind.
const std::vector<double> kEndToEndBuckets{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

std::vector<FamilyDef> build() {
    using enum FamilyId;
    std::vector<FamilyDef> table{
        {source_records_polled, "ingest_source_records_polled_total", Type::counter, {kConnector, kTask},
         "Records a source task handed over from poll()."},
        {source_records_written, "ingest_source_records_written_total", Type::counter, {kConnector, kTask},
         "Records of a source task the broker confirmed."},
        {source_records_failed, "ingest_source_records_failed_total", Type::counter, {kConnector, kTask},
         "Records of a source task the broker finally refused (delivery report with an error)."},
        {task_batches, "ingest_task_batches_total", Type::counter, {kConnector, kTask},
         "Non-empty batches: poll() calls that returned records (sources), put() calls that succeeded "
         "(sinks)."},
        {task_batch_duration, "ingest_task_batch_duration_seconds", Type::histogram, {kConnector, kTask},
         "Time spent in one plugin call with records: poll() of a source, put() of a sink (with the "
         "flush of its dead letters).",
         kBatchBuckets},
        {sink_records_put, "ingest_sink_records_put_total", Type::counter, {kConnector, kTask},
         "Records a sink task's put() accepted (dead-lettered ones included); a retried batch counts once."},
        {sink_records_dead_lettered, "ingest_sink_records_dead_lettered_total", Type::counter,
         {kConnector, kTask}, "Records a sink task sent to its dead-letter topic."},
        {sink_put_retries, "ingest_sink_put_retries_total", Type::counter, {kConnector, kTask},
         "put() calls that returned RETRIABLE: the batch is kept and put again after a backoff."},
        {sink_offset_commits, "ingest_sink_offset_commits_total", Type::counter, {kConnector, kTask, "result"},
         "Offset commits to the consumer group, by result (ok, failed)."},
        {sink_consumer_lag, "ingest_sink_consumer_lag", Type::gauge, {kConnector, kTask, "topic", "partition"},
         "Records in a partition not yet put: high watermark minus the next offset to put. Sampled at "
         "every offset commit (5 s)."},
        {sink_records_lost, "ingest_sink_records_lost", Type::gauge, {kConnector, kTask, "topic", "partition"},
         "Records of a partition deleted from the log (retention) before this sink task read them: the "
         "log start offset minus the task's position, found when the partition is assigned or when its "
         "position falls off the log start; 0 when none. Above 0 the task is FAILED until its offsets "
         "are moved past the gap (docs/guarantees.md)."},
        {sink_end_to_end_latency, "ingest_sink_end_to_end_latency_seconds", Type::histogram,
         {kConnector, kTask},
         "From a record's Kafka timestamp to the end of the put() that accepted it (a sink that writes behind, as "
         "sink_postgres does, commits it up to one batch later).",
         kEndToEndBuckets},
        {task_state, "ingest_task_state", Type::gauge, {kConnector, kTask, "state"},
         "1 for the task's current state (UNASSIGNED, RUNNING, PAUSED, FAILED, STOPPED, FINISHED), 0 "
         "for the others."},
        {task_restarts, "ingest_task_restarts_total", Type::counter, {kConnector, kTask},
         "Times a task was started again in this worker (restart request, automatic restart, new config "
         "or resume after stop)."},
        {task_errors, "ingest_task_errors_total", Type::counter, {kConnector, kTask, "class"},
         "Task errors by class: retriable (poll() or put() returned RETRIABLE and is retried after a "
         "backoff), fatal (the task failed), dead_letter (a record sent to the dead-letter topic), commit "
         "(an offset commit failed), delivery (the broker finally refused a source's record). Every class "
         "a task's kind can record (sources: retriable, fatal, delivery; sinks: retriable, fatal, "
         "dead_letter, commit) starts at 0."},
    };
    for (size_t i = 0; i < table.size(); ++i)
        if (static_cast<size_t>(table[i].id) != i) throw std::logic_error("metric table out of FamilyId order");
    if (table.size() != static_cast<size_t>(FamilyId::count)) throw std::logic_error("metric table incomplete");
    return table;
}

std::string escape_cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|') out += "\\|";
        else out += c;
    }
    return out;
}

std::string labels_cell(std::span<const std::string_view> labels) {
    std::string out;
    for (auto label : labels) out += (out.empty() ? "`" : ", `") + std::string(label) + "`";
    return out;
}

}  // namespace

const char* type_name(Type type) {
    switch (type) {
        case Type::counter: return "counter";
        case Type::gauge: return "gauge";
        case Type::histogram: return "histogram";
    }
    return "untyped";
}

std::string_view error_class_name(ErrorClass error_class) {
    switch (error_class) {
        case ErrorClass::retriable: return "retriable";
        case ErrorClass::fatal: return "fatal";
        case ErrorClass::dead_letter: return "dead_letter";
        case ErrorClass::commit: return "commit";
        case ErrorClass::delivery: return "delivery";
        case ErrorClass::count: break;
    }
    return "unknown";
}

bool error_class_applies(ErrorClass error_class, bool source) {
    switch (error_class) {
        case ErrorClass::retriable:
        case ErrorClass::fatal: return true;
        case ErrorClass::delivery: return source;
        case ErrorClass::dead_letter:
        case ErrorClass::commit: return !source;
        case ErrorClass::count: break;
    }
    return false;
}

const std::vector<FamilyDef>& families() {
    static const std::vector<FamilyDef> table = build();
    return table;
}

const FamilyDef& family(FamilyId id) { return families().at(static_cast<size_t>(id)); }

std::string plugin_metric_name(std::string_view plugin, std::string_view metric, Type type) {
    std::string name = "ingest_plugin_" + std::string(plugin) + "_" + std::string(metric);
    if (type == Type::counter) name += "_total";
    return name;
}

std::span<const std::string_view> plugin_metric_labels() {
    static const std::string_view labels[] = {kConnector, kTask};
    return labels;
}

std::string describe_markdown(const std::vector<PluginMetricDoc>& plugin_metrics) {
    std::ostringstream out;
    out << "# Metrics\n\n"
        << "<!-- Generated by `ingest metrics describe`; do not edit. Regenerate with\n"
        << "     `cmake --build <build dir> --target docs`. -->\n\n"
        << "`GET /metrics` on the worker's REST listener serves these in Prometheus text format, and\n"
        << "`GET /worker/metrics` the same as JSON (this product's extension; `ingest status --watch` reads it).\n"
        << "Every series of a task carries the labels `connector` (the connector's name) and `task` (its\n"
        << "task id). Series appear once a task records them and stay until the worker exits.\n\n"
        << "## Runner\n\n"
        << "| Name | Type | Labels | Description |\n|---|---|---|---|\n";
    for (const auto& def : families())
        out << "| `" << def.name << "` | " << type_name(def.type) << " | " << labels_cell(def.labels) << " | "
            << escape_cell(def.help) << " |\n";
    out << "\n## Plugins\n\n"
        << "Plugins declare their own metrics in their descriptor (ABI 1.2, `ingest_metric_def`) and\n"
        << "record them through the host. Plugin `p`'s metric `m` is exported as `ingest_plugin_p_m`\n"
        << "(counters: `ingest_plugin_p_m_total`) with the labels " << labels_cell(plugin_metric_labels())
        << ".\n";
    std::string current;
    for (const auto& metric : plugin_metrics) {
        if (metric.plugin != current) {
            current = metric.plugin;
            out << "\n### " << current << "\n\n| Name | Type | Description |\n|---|---|---|\n";
        }
        out << "| `" << plugin_metric_name(metric.plugin, metric.name, metric.type) << "` | "
            << type_name(metric.type) << " | " << escape_cell(metric.help) << " |\n";
    }
    return out.str();
}

}  // namespace ingest::metrics
