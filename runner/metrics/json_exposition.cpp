#include "metrics/json_exposition.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <cstdint>

namespace ingest::metrics {
namespace {

namespace json = boost::json;

json::value number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    // Counts are whole: written as integers (Boost.JSON would write 250.0 as 2.5E2).
    constexpr double kExact = 9007199254740992.0;  // 2^53: every integer up to it is a double
    if (std::trunc(value) == value && std::fabs(value) <= kExact) return static_cast<int64_t>(value);
    return value;
}

const char* type_of(prometheus::MetricType type) {
    switch (type) {
        case prometheus::MetricType::Counter: return "counter";
        case prometheus::MetricType::Gauge: return "gauge";
        case prometheus::MetricType::Histogram: return "histogram";
        case prometheus::MetricType::Summary: return "summary";
        case prometheus::MetricType::Untyped: return "untyped";
    }
    return "untyped";
}

json::object series_of(prometheus::MetricType type, const prometheus::ClientMetric& metric) {
    json::object labels;
    for (const auto& label : metric.label) labels[label.name] = label.value;
    json::object series{{"labels", std::move(labels)}};
    switch (type) {
        case prometheus::MetricType::Counter: series["value"] = number(metric.counter.value); break;
        case prometheus::MetricType::Gauge: series["value"] = number(metric.gauge.value); break;
        case prometheus::MetricType::Untyped: series["value"] = number(metric.untyped.value); break;
        case prometheus::MetricType::Histogram: {
            series["count"] = metric.histogram.sample_count;
            series["sum"] = number(metric.histogram.sample_sum);
            json::array buckets;
            for (const auto& bucket : metric.histogram.bucket)
                buckets.push_back(json::object{{"le", number(bucket.upper_bound)}, {"count", bucket.cumulative_count}});
            series["buckets"] = std::move(buckets);
            break;
        }
        case prometheus::MetricType::Summary: {
            series["count"] = metric.summary.sample_count;
            series["sum"] = number(metric.summary.sample_sum);
            json::array quantiles;
            for (const auto& quantile : metric.summary.quantile)
                quantiles.push_back(json::object{{"quantile", number(quantile.quantile)}, {"value", number(quantile.value)}});
            series["quantiles"] = std::move(quantiles);
            break;
        }
    }
    return series;
}

}  // namespace

json::object to_json(const std::vector<prometheus::MetricFamily>& families) {
    json::object by_name;
    for (const auto& family : families) {
        json::array series;
        for (const auto& metric : family.metric) series.push_back(series_of(family.type, metric));
        by_name[family.name] =
            json::object{{"type", type_of(family.type)}, {"help", family.help}, {"series", std::move(series)}};
    }
    return json::object{{"families", std::move(by_name)}};
}

}  // namespace ingest::metrics
