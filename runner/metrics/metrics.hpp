// The worker's metrics: one prometheus-cpp registry holding the families of metric_table.hpp and
// the plugins' own families, and its exposition for `GET /metrics`.
//
// Hot path: a task looks up its labelled series once, when it starts (SourceTaskMetrics,
// SinkTaskMetrics, PluginSeries), and then only touches prometheus-cpp's atomic counters and
// gauges; histograms are observed once per batch. No lock is taken per record.
#pragma once

#include "metrics/metric_table.hpp"

#include <ingest/plugin_abi.h>

#include <boost/json/object.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ingest::metrics {

class Metrics;

// A task's `ingest_task_errors_total` series: one per class its kind can record, each created at 0
// so that rate() and dashboards see it before the first error. A default one records nothing.
class TaskErrors {
   public:
    // One atomic add: cheap enough for every record.
    void record(ErrorClass error_class, double count = 1) {
        if (auto* counter = counters_[static_cast<size_t>(error_class)]) counter->Increment(count);
    }

   private:
    friend class Metrics;
    std::array<prometheus::Counter*, static_cast<size_t>(ErrorClass::count)> counters_{};
};

// A source task's series.
struct SourceTaskMetrics {
    prometheus::Counter& records_polled;
    prometheus::Counter& records_written;
    prometheus::Counter& records_failed;
    prometheus::Counter& batches;
    prometheus::Histogram& batch_duration;
    TaskErrors errors;
};

// A sink task's series.
class SinkTaskMetrics {
   public:
    SinkTaskMetrics(Metrics& owner, const std::string& connector, int task);

    prometheus::Counter& records_put;
    prometheus::Counter& batches;
    prometheus::Histogram& batch_duration;
    prometheus::Counter& dead_lettered;
    prometheus::Counter& put_retries;
    prometheus::Counter& commits_ok;
    prometheus::Counter& commits_failed;
    TaskErrors errors;

    // One observation per record of an accepted batch, recorded with one histogram update (one
    // lock per batch). Records without a Kafka timestamp (-1) are skipped.
    void observe_end_to_end(std::chrono::system_clock::time_point applied, const ingest_record* records,
                            size_t count);
    // Lag of one partition (called at the commit interval, not per record).
    void set_lag(const std::string& topic, int32_t partition, int64_t lag);
    // Records of one partition deleted before this task read them (0: none), per check.
    void set_records_lost(const std::string& topic, int32_t partition, int64_t lost);

   private:
    Metrics& owner_;
    std::string connector_, task_;
    prometheus::Histogram& end_to_end_;
    std::vector<double> bucket_increments_;  // reused: no allocation per batch
    using PartitionGauges = std::map<std::pair<std::string, int32_t>, prometheus::Gauge*>;
    prometheus::Gauge& partition_gauge(FamilyId id, PartitionGauges& gauges, const std::string& topic,
                                       int32_t partition);
    PartitionGauges lag_;
    PartitionGauges lost_;
};

// One task's series of its plugin's declared metrics, by row index of the plugin's table.
class PluginSeries {
   public:
    void add(uint32_t index, double delta);
    void set(uint32_t index, double value);
    size_t size() const { return series_.size(); }

   private:
    friend class Metrics;
    std::vector<std::variant<std::monostate, prometheus::Counter*, prometheus::Gauge*>> series_;
};

// A plugin's declared metric, as the runner read it from the descriptor.
struct PluginMetricDef {
    std::string name;
    Type type;
    std::string help;
};

class Metrics {
   public:
    Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // The Prometheus text exposition of everything registered: what `GET /metrics` returns.
    std::string text() const;
    // The same families as JSON (metrics/json_exposition.hpp): what `GET /worker/metrics` returns.
    boost::json::object json() const;
    const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

    // Called when a task (re)starts; counts a restart from its second start on.
    void task_starting(const std::string& connector, int task);
    // The task's current state: its `state` series is 1, the others 0.
    void set_task_state(const std::string& connector, int task, std::string_view state);

    // The error series of a task of this kind (source or sink), created at 0.
    TaskErrors task_errors(const std::string& connector, int task, bool source);

    SourceTaskMetrics source_task(const std::string& connector, int task);
    std::unique_ptr<SinkTaskMetrics> sink_task(const std::string& connector, int task);
    // Registers the plugin's families on first use (a metric whose name clashes with an existing
    // family of another type is left out) and returns this task's series.
    std::unique_ptr<PluginSeries> plugin_task(const std::string& plugin, const std::vector<PluginMetricDef>& defs,
                                              const std::string& connector, int task);

    // The family of a table row.
    prometheus::Family<prometheus::Counter>& counter(FamilyId id);
    prometheus::Family<prometheus::Gauge>& gauge(FamilyId id);
    prometheus::Family<prometheus::Histogram>& histogram(FamilyId id);

   private:
    using AnyFamily = std::variant<prometheus::Family<prometheus::Counter>*, prometheus::Family<prometheus::Gauge>*,
                                   prometheus::Family<prometheus::Histogram>*>;

    std::shared_ptr<prometheus::Registry> registry_;
    std::vector<AnyFamily> families_;  // indexed by FamilyId

    std::mutex mutex_;  // guards the members below: touched when tasks start, never per record
    std::set<std::pair<std::string, int>> started_;
    std::map<std::string, AnyFamily> plugin_families_;  // by full name
};

// The worker's registry: where tasks record unless their settings name another one, and what
// `GET /metrics` serves (process_metrics()->text()). One per process, like a Prometheus client
// library's default registry, so that neither the herder nor the REST server has to carry it.
const std::shared_ptr<Metrics>& process_metrics();

// Labels of a task's series.
prometheus::Labels task_labels(const std::string& connector, int task);

}  // namespace ingest::metrics
