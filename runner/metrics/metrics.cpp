#include "metrics/metrics.hpp"

#include "metrics/json_exposition.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>

namespace ingest::metrics {
namespace {

constexpr std::array<std::string_view, 6> kTaskStates{"UNASSIGNED", "RUNNING", "PAUSED",
                                                      "FAILED",     "STOPPED", "FINISHED"};

template <typename Builder>
auto& register_family(Builder builder, std::string_view name, std::string_view help, prometheus::Registry& registry) {
    return builder.Name(std::string(name)).Help(std::string(help)).Register(registry);
}

}  // namespace

const std::shared_ptr<Metrics>& process_metrics() {
    static const std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
    return metrics;
}

prometheus::Labels task_labels(const std::string& connector, int task) {
    return {{"connector", connector}, {"task", std::to_string(task)}};
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
    for (const auto& def : families()) {
        switch (def.type) {
            case Type::counter:
                families_.emplace_back(&register_family(prometheus::BuildCounter(), def.name, def.help, *registry_));
                break;
            case Type::gauge:
                families_.emplace_back(&register_family(prometheus::BuildGauge(), def.name, def.help, *registry_));
                break;
            case Type::histogram:
                families_.emplace_back(&register_family(prometheus::BuildHistogram(), def.name, def.help, *registry_));
                break;
        }
    }
}

std::string Metrics::text() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

boost::json::object Metrics::json() const { return to_json(registry_->Collect()); }

prometheus::Family<prometheus::Counter>& Metrics::counter(FamilyId id) {
    return *std::get<prometheus::Family<prometheus::Counter>*>(families_.at(static_cast<size_t>(id)));
}
prometheus::Family<prometheus::Gauge>& Metrics::gauge(FamilyId id) {
    return *std::get<prometheus::Family<prometheus::Gauge>*>(families_.at(static_cast<size_t>(id)));
}
prometheus::Family<prometheus::Histogram>& Metrics::histogram(FamilyId id) {
    return *std::get<prometheus::Family<prometheus::Histogram>*>(families_.at(static_cast<size_t>(id)));
}

void Metrics::task_starting(const std::string& connector, int task) {
    auto& restarts = counter(FamilyId::task_restarts).Add(task_labels(connector, task));
    std::lock_guard lock(mutex_);
    if (!started_.insert({connector, task}).second) restarts.Increment();
}

void Metrics::set_task_state(const std::string& connector, int task, std::string_view state) {
    auto& family = gauge(FamilyId::task_state);
    for (auto known : kTaskStates) {
        auto labels = task_labels(connector, task);
        labels.emplace("state", std::string(known));
        family.Add(labels).Set(known == state ? 1 : 0);
    }
}

TaskErrors Metrics::task_errors(const std::string& connector, int task, bool source) {
    TaskErrors errors;
    auto& errors_family = counter(FamilyId::task_errors);
    for (size_t i = 0; i < errors.counters_.size(); ++i) {
        const auto error_class = static_cast<ErrorClass>(i);
        if (!error_class_applies(error_class, source)) continue;
        auto labels = task_labels(connector, task);
        labels.emplace("class", std::string(error_class_name(error_class)));
        errors.counters_[i] = &errors_family.Add(labels);
    }
    return errors;
}

SourceTaskMetrics Metrics::source_task(const std::string& connector, int task) {
    const auto labels = task_labels(connector, task);
    return {counter(FamilyId::source_records_polled).Add(labels),
            counter(FamilyId::source_records_written).Add(labels),
            counter(FamilyId::source_records_failed).Add(labels),
            counter(FamilyId::task_batches).Add(labels),
            histogram(FamilyId::task_batch_duration).Add(labels, family(FamilyId::task_batch_duration).buckets),
            task_errors(connector, task, true)};
}

std::unique_ptr<SinkTaskMetrics> Metrics::sink_task(const std::string& connector, int task) {
    return std::make_unique<SinkTaskMetrics>(*this, connector, task);
}

namespace {
prometheus::Labels with(prometheus::Labels labels, const std::string& name, const std::string& value) {
    labels.emplace(name, value);
    return labels;
}
}  // namespace

SinkTaskMetrics::SinkTaskMetrics(Metrics& owner, const std::string& connector, int task)
    : records_put(owner.counter(FamilyId::sink_records_put).Add(task_labels(connector, task))),
      batches(owner.counter(FamilyId::task_batches).Add(task_labels(connector, task))),
      batch_duration(owner.histogram(FamilyId::task_batch_duration)
                         .Add(task_labels(connector, task), family(FamilyId::task_batch_duration).buckets)),
      dead_lettered(owner.counter(FamilyId::sink_records_dead_lettered).Add(task_labels(connector, task))),
      put_retries(owner.counter(FamilyId::sink_put_retries).Add(task_labels(connector, task))),
      commits_ok(owner.counter(FamilyId::sink_offset_commits).Add(with(task_labels(connector, task), "result", "ok"))),
      commits_failed(
          owner.counter(FamilyId::sink_offset_commits).Add(with(task_labels(connector, task), "result", "failed"))),
      errors(owner.task_errors(connector, task, false)),
      owner_(owner),
      connector_(connector),
      task_(std::to_string(task)),
      end_to_end_(owner.histogram(FamilyId::sink_end_to_end_latency)
                      .Add(task_labels(connector, task), family(FamilyId::sink_end_to_end_latency).buckets)),
      bucket_increments_(family(FamilyId::sink_end_to_end_latency).buckets.size() + 1, 0.0) {}

void SinkTaskMetrics::observe_end_to_end(std::chrono::system_clock::time_point applied,
                                         const ingest_record* records, size_t count) {
    const auto& bounds = family(FamilyId::sink_end_to_end_latency).buckets;
    std::fill(bucket_increments_.begin(), bucket_increments_.end(), 0.0);
    const double now_ms =
        static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(applied.time_since_epoch()).count());
    double sum = 0;
    bool any = false;
    for (size_t i = 0; i < count; ++i) {
        const int64_t timestamp = records[i].timestamp_ms;
        if (timestamp < 0) continue;
        const double seconds = std::max(0.0, (now_ms - static_cast<double>(timestamp)) / 1000.0);
        // Histogram buckets are "less than or equal" (le); the last slot is +Inf.
        auto bucket = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
        bucket_increments_[bucket] += 1;
        sum += seconds;
        any = true;
    }
    if (any) end_to_end_.ObserveMultiple(bucket_increments_, sum);
}

prometheus::Gauge& SinkTaskMetrics::partition_gauge(FamilyId id, PartitionGauges& gauges, const std::string& topic,
                                                    int32_t partition) {
    auto key = std::make_pair(topic, partition);
    auto it = gauges.find(key);
    if (it == gauges.end()) {
        prometheus::Labels labels{{"connector", connector_}, {"task", task_}, {"topic", topic},
                                  {"partition", std::to_string(partition)}};
        it = gauges.emplace(key, &owner_.gauge(id).Add(labels)).first;
    }
    return *it->second;
}

void SinkTaskMetrics::set_lag(const std::string& topic, int32_t partition, int64_t lag) {
    partition_gauge(FamilyId::sink_consumer_lag, lag_, topic, partition).Set(static_cast<double>(lag));
}

void SinkTaskMetrics::set_records_lost(const std::string& topic, int32_t partition, int64_t lost) {
    partition_gauge(FamilyId::sink_records_lost, lost_, topic, partition).Set(static_cast<double>(lost));
}

std::unique_ptr<PluginSeries> Metrics::plugin_task(const std::string& plugin, const std::vector<PluginMetricDef>& defs,
                                                   const std::string& connector, int task) {
    auto series = std::make_unique<PluginSeries>();
    const auto labels = task_labels(connector, task);
    std::lock_guard lock(mutex_);
    for (const auto& def : defs) {
        const std::string name = plugin_metric_name(plugin, def.name, def.type);
        auto it = plugin_families_.find(name);
        auto& slot = series->series_.emplace_back();
        if (it == plugin_families_.end()) {
            AnyFamily family;
            try {
                if (def.type == Type::counter)
                    family = &register_family(prometheus::BuildCounter(), name, def.help, *registry_);
                else
                    family = &register_family(prometheus::BuildGauge(), name, def.help, *registry_);
            } catch (const std::exception&) {
                continue;  // an invalid name (the loader refuses those) or a clash: this row records nothing
            }
            it = plugin_families_.emplace(name, family).first;
        }
        if (def.type == Type::counter) {
            if (auto* f = std::get_if<prometheus::Family<prometheus::Counter>*>(&it->second)) slot = &(*f)->Add(labels);
        } else if (def.type == Type::gauge) {
            if (auto* f = std::get_if<prometheus::Family<prometheus::Gauge>*>(&it->second)) slot = &(*f)->Add(labels);
        }
    }
    return series;
}

void PluginSeries::add(uint32_t index, double delta) {
    if (index >= series_.size()) return;
    if (auto* counter = std::get_if<prometheus::Counter*>(&series_[index])) {
        if (delta >= 0) (*counter)->Increment(delta);
    } else if (auto* gauge = std::get_if<prometheus::Gauge*>(&series_[index])) {
        (*gauge)->Increment(delta);
    }
}

void PluginSeries::set(uint32_t index, double value) {
    if (index >= series_.size()) return;
    if (auto* gauge = std::get_if<prometheus::Gauge*>(&series_[index])) (*gauge)->Set(value);
}

}  // namespace ingest::metrics
