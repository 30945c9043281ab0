// The metrics table and its exposition: one table gives the registered families and their docs;
// task and plugin series follow the rules of their types; the text is Prometheus' format, made by
// prometheus-cpp.
#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <set>
#include <sstream>

namespace {

using ingest::metrics::ErrorClass;
using ingest::metrics::FamilyId;
using ingest::metrics::Metrics;
using ingest::metrics::PluginMetricDef;
using ingest::metrics::Type;

// The value of one sample line `series value`, or -1 when the series is absent.
double sample(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return -1;
}

TEST(MetricTable, NamesAreUniqueAndFollowPrometheusConventions) {
    std::set<std::string_view> names;
    for (const auto& def : ingest::metrics::families()) {
        EXPECT_TRUE(names.insert(def.name).second) << def.name;
        EXPECT_EQ(def.name.rfind("ingest_", 0), 0u) << def.name;
        EXPECT_EQ(def.name.ends_with("_total"), def.type == Type::counter) << def.name;
        EXPECT_EQ(def.type == Type::histogram, !def.buckets.empty()) << def.name;
        EXPECT_FALSE(def.help.empty()) << def.name;
        ASSERT_GE(def.labels.size(), 2u) << def.name;
        EXPECT_EQ(def.labels[0], "connector");
        EXPECT_EQ(def.labels[1], "task");
    }
}

TEST(MetricTable, TheDocsListEveryFamilyAndEveryPluginMetric) {
    auto markdown = ingest::metrics::describe_markdown({{"sink_x", "written", Type::counter, "Rows."},
                                                        {"sink_x", "verdict", Type::gauge, "1: pass."}});
    for (const auto& def : ingest::metrics::families())
        EXPECT_NE(markdown.find("`" + std::string(def.name) + "`"), std::string::npos) << def.name;
    EXPECT_NE(markdown.find("`ingest_plugin_sink_x_written_total`"), std::string::npos);
    EXPECT_NE(markdown.find("`ingest_plugin_sink_x_verdict`"), std::string::npos);
}

TEST(Metrics, TaskSeriesReachTheTextWithTheirLabels) {
    Metrics metrics;
    auto sink = metrics.sink_task("pg", 1);
    sink->records_put.Increment(250);
    sink->commits_ok.Increment();
    sink->set_lag("events", 2, 17);
    auto source = metrics.source_task("sim", 0);
    source.records_polled.Increment(3);

    const std::string text = metrics.text();
    EXPECT_NE(text.find("# TYPE ingest_sink_records_put_total counter"), std::string::npos) << text;
    EXPECT_EQ(sample(text, R"(ingest_sink_records_put_total{connector="pg",task="1"})"), 250);
    EXPECT_EQ(sample(text, R"(ingest_sink_offset_commits_total{connector="pg",result="ok",task="1"})"), 1);
    EXPECT_EQ(sample(text, R"(ingest_sink_offset_commits_total{connector="pg",result="failed",task="1"})"), 0);
    EXPECT_EQ(sample(text, R"(ingest_sink_consumer_lag{connector="pg",partition="2",task="1",topic="events"})"), 17);
    EXPECT_EQ(sample(text, R"(ingest_source_records_polled_total{connector="sim",task="0"})"), 3);
}

TEST(Metrics, EndToEndLatencyIsOneObservationPerTimestampedRecord) {
    Metrics metrics;
    auto sink = metrics.sink_task("pg", 0);
    const auto now = std::chrono::system_clock::now();
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::vector<ingest_record> records(3);
    records[0].timestamp_ms = now_ms - 2000;  // 2 s behind
    records[1].timestamp_ms = -1;             // no timestamp: not observed
    records[2].timestamp_ms = now_ms;
    sink->observe_end_to_end(now, records.data(), records.size());

    const std::string text = metrics.text();
    EXPECT_EQ(sample(text, R"(ingest_sink_end_to_end_latency_seconds_count{connector="pg",task="0"})"), 2) << text;
    EXPECT_NEAR(sample(text, R"(ingest_sink_end_to_end_latency_seconds_sum{connector="pg",task="0"})"), 2.0, 1e-6);
    EXPECT_EQ(sample(text, R"(ingest_sink_end_to_end_latency_seconds_bucket{connector="pg",task="0",le="1"})"), 1);
    EXPECT_EQ(sample(text, R"(ingest_sink_end_to_end_latency_seconds_bucket{connector="pg",task="0",le="2.5"})"), 2);
}

TEST(Metrics, TaskStateIsOneForTheCurrentStateOnly) {
    Metrics metrics;
    metrics.set_task_state("pg", 0, "RUNNING");
    metrics.set_task_state("pg", 0, "PAUSED");
    const std::string text = metrics.text();
    EXPECT_EQ(sample(text, R"(ingest_task_state{connector="pg",state="PAUSED",task="0"})"), 1);
    EXPECT_EQ(sample(text, R"(ingest_task_state{connector="pg",state="RUNNING",task="0"})"), 0);
}

TEST(Metrics, RestartsCountFromTheSecondStart) {
    Metrics metrics;
    metrics.task_starting("pg", 0);
    EXPECT_EQ(sample(metrics.text(), R"(ingest_task_restarts_total{connector="pg",task="0"})"), 0);
    metrics.task_starting("pg", 0);
    metrics.task_starting("pg", 0);
    metrics.task_starting("pg", 1);
    EXPECT_EQ(sample(metrics.text(), R"(ingest_task_restarts_total{connector="pg",task="0"})"), 2);
    EXPECT_EQ(sample(metrics.text(), R"(ingest_task_restarts_total{connector="pg",task="1"})"), 0);
}

TEST(Metrics, ErrorClassesOfATaskKindStartAtZeroAndCountApart) {
    Metrics metrics;
    auto sink = metrics.sink_task("pg", 0);
    auto source = metrics.source_task("sim", 0);
    sink->errors.record(ErrorClass::dead_letter);
    sink->errors.record(ErrorClass::dead_letter);
    sink->errors.record(ErrorClass::commit);
    sink->errors.record(ErrorClass::delivery);  // not a sink's class: no series, nothing recorded
    source.errors.record(ErrorClass::delivery, 3);
    ingest::metrics::TaskErrors().record(ErrorClass::fatal);  // a default one records nothing

    const std::string text = metrics.text();
    const auto errors = [&](const std::string& connector, const std::string& error_class) {
        return sample(text, R"(ingest_task_errors_total{class=")" + error_class + R"(",connector=")" + connector +
                                R"(",task="0"})");
    };
    EXPECT_EQ(errors("pg", "dead_letter"), 2) << text;
    EXPECT_EQ(errors("pg", "commit"), 1);
    EXPECT_EQ(errors("pg", "retriable"), 0);
    EXPECT_EQ(errors("pg", "fatal"), 0);
    EXPECT_EQ(errors("pg", "delivery"), -1);
    EXPECT_EQ(errors("sim", "delivery"), 3);
    EXPECT_EQ(errors("sim", "retriable"), 0);
    EXPECT_EQ(errors("sim", "fatal"), 0);
    EXPECT_EQ(errors("sim", "dead_letter"), -1);
    EXPECT_EQ(errors("sim", "commit"), -1);
}

TEST(MetricTable, TheErrorsHelpNamesEveryClass) {
    const auto& help = ingest::metrics::family(FamilyId::task_errors).help;
    for (size_t i = 0; i < static_cast<size_t>(ErrorClass::count); ++i) {
        const auto name = ingest::metrics::error_class_name(static_cast<ErrorClass>(i));
        EXPECT_NE(help.find(std::string(name) + " ("), std::string_view::npos) << name;
    }
}

// GET /worker/metrics: the registry's own structs as JSON, so its values are the text's.
TEST(Metrics, TheJsonHoldsWhatTheTextHolds) {
    Metrics metrics;
    auto sink = metrics.sink_task("pg", 1);
    sink->records_put.Increment(250);
    sink->set_lag("events", 2, 17);
    sink->batch_duration.Observe(0.003);  // a sum of 20.003: not whole
    sink->batch_duration.Observe(20);
    metrics.gauge(FamilyId::sink_consumer_lag).Add({{"connector", "nan"}, {"task", "0"}, {"topic", "t"}, {"partition", "0"}})
        .Set(std::nan(""));

    const auto json = metrics.json();
    const auto& families = json.at("families").as_object();
    // The families the text has (prometheus-cpp leaves out those without series), no more.
    const std::string text = metrics.text();
    size_t typed = 0;
    for (size_t at = text.find("# TYPE "); at != std::string::npos; at = text.find("# TYPE ", at + 1)) ++typed;
    EXPECT_EQ(families.size(), typed) << text;
    const auto series_of = [&](const char* family, const std::string& connector) -> boost::json::object {
        for (const auto& series : families.at(family).at("series").as_array())
            if (series.at("labels").at("connector") == connector.c_str()) return series.as_object();
        ADD_FAILURE() << "no series of " << family << " for " << connector;
        return {};
    };
    const auto& put = families.at("ingest_sink_records_put_total").as_object();
    EXPECT_EQ(put.at("type"), "counter");
    EXPECT_EQ(put.at("help"), ingest::metrics::family(FamilyId::sink_records_put).help.data());
    EXPECT_EQ(series_of("ingest_sink_records_put_total", "pg"),
              (boost::json::object{{"labels", {{"connector", "pg"}, {"task", "1"}}}, {"value", 250}}));
    EXPECT_EQ(series_of("ingest_sink_consumer_lag", "pg").at("labels"),
              (boost::json::object{{"connector", "pg"}, {"partition", "2"}, {"task", "1"}, {"topic", "events"}}));
    EXPECT_EQ(series_of("ingest_sink_consumer_lag", "pg").at("value"), 17);  // whole: an integer
    EXPECT_EQ(series_of("ingest_sink_consumer_lag", "nan").at("value"), "NaN");

    const auto histogram = series_of("ingest_task_batch_duration_seconds", "pg");
    EXPECT_EQ(families.at("ingest_task_batch_duration_seconds").at("type"), "histogram");
    EXPECT_EQ(histogram.at("count"), 2u);
    EXPECT_NEAR(histogram.at("sum").as_double(), 20.003, 1e-9);
    const auto& buckets = histogram.at("buckets").as_array();
    ASSERT_EQ(buckets.size(), ingest::metrics::family(FamilyId::task_batch_duration).buckets.size() + 1);
    EXPECT_EQ(buckets.front(), (boost::json::object{{"le", 0.0005}, {"count", 0u}}));
    EXPECT_EQ(buckets[3], (boost::json::object{{"le", 0.005}, {"count", 1u}}));  // cumulative, as in the text
    EXPECT_EQ(buckets.back(), (boost::json::object{{"le", "+Inf"}, {"count", 2u}}));
    EXPECT_FALSE(histogram.contains("value"));
}

TEST(Metrics, PluginSeriesFollowTheirDeclaredTypes) {
    Metrics metrics;
    const std::vector<PluginMetricDef> defs{{"written", Type::counter, "Rows written."},
                                            {"verdict", Type::gauge, "1 when it passed."}};
    auto task0 = metrics.plugin_task("sink_x", defs, "x", 0);
    auto task1 = metrics.plugin_task("sink_x", defs, "x", 1);  // the family is shared
    task0->add(0, 5);
    task0->add(0, -1);   // a counter never goes down: ignored
    task0->set(0, 100);  // nor is it set: ignored
    task0->set(1, 1);
    task0->add(7, 1);    // no such row: ignored
    task1->add(0, 2);

    const std::string text = metrics.text();
    EXPECT_NE(text.find("# HELP ingest_plugin_sink_x_written_total Rows written."), std::string::npos) << text;
    EXPECT_EQ(sample(text, R"(ingest_plugin_sink_x_written_total{connector="x",task="0"})"), 5);
    EXPECT_EQ(sample(text, R"(ingest_plugin_sink_x_written_total{connector="x",task="1"})"), 2);
    EXPECT_EQ(sample(text, R"(ingest_plugin_sink_x_verdict{connector="x",task="0"})"), 1);
}

TEST(Metrics, AGaugeAndACounterOfOneNameAreTwoFamilies) {
    Metrics metrics;
    auto first = metrics.plugin_task("p", {{"m", Type::gauge, "A gauge."}}, "c", 0);
    // A counter `m` is exported as `…_m_total`: another family, no clash.
    auto second = metrics.plugin_task("p", {{"m", Type::counter, "A counter."}}, "c", 1);
    first->set(0, 3);
    second->add(0, 4);
    const std::string text = metrics.text();
    EXPECT_EQ(sample(text, R"(ingest_plugin_p_m{connector="c",task="0"})"), 3);
    EXPECT_EQ(sample(text, R"(ingest_plugin_p_m_total{connector="c",task="1"})"), 4);
}

}  // namespace
