// The registry's families as JSON, for clients that want values rather than Prometheus' text
// format (`ingest status --watch`, through `GET /worker/metrics`). It serialises what
// prometheus-cpp's Collect() returns, the same structs its TextSerializer writes, so the text and
// the JSON cannot disagree. Shape (this product's, not Kafka Connect's):
//
//   {"families": {"<name>": {"type": "counter|gauge|histogram|summary|untyped", "help": "...",
//     "series": [{"labels": {"connector": "c", "task": "0"}, "value": 12}]}}}
//
// A histogram's series has "count", "sum" and cumulative "buckets" [{"le": 0.5, "count": 3}, ...,
// {"le": "+Inf", "count": 9}] instead of "value"; a summary's has "count", "sum" and "quantiles"
// [{"quantile": 0.5, "value": 1.2}]. Whole values are written as integers. JSON has no NaN or
// infinities: such values are written as the strings Prometheus uses ("NaN", "+Inf", "-Inf").
#pragma once

#include <prometheus/metric_family.h>

#include <boost/json/object.hpp>

#include <vector>

namespace ingest::metrics {

boost::json::object to_json(const std::vector<prometheus::MetricFamily>& families);

}  // namespace ingest::metrics
