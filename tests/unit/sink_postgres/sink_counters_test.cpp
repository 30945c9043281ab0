// The sink's counters reach the host's metrics as rows of its declared table, and only what grew
// since the last report is added.
#include "sink_counters.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace {

using namespace ingest::plugins::sink_postgres;

struct Recorded {
    std::map<uint32_t, double> added;
};

void record_add(void* context, uint32_t index, double delta) { static_cast<Recorded*>(context)->added[index] += delta; }

TEST(SinkCounters, EveryDeclaredMetricIsACounterNamedLikeItsField) {
    SinkCounters counters;
    counters.inserted = 1;
    counters.updated = 2;
    counters.duplicates = 3;
    counters.deleted = 4;
    counters.suppressed_after_delete = 5;
    counters.late = 6;
    counters.invalidations = 7;
    counters.dead_letters = 8;
    counters.retries = 9;
    counters.already_applied = 10;
    counters.refused = 11;
    const auto values = counters.as_metrics();
    for (uint32_t row = 0; row < kSinkMetricCount; ++row) {
        EXPECT_EQ(values[row], row + 1u) << kSinkMetrics[row].name;
        EXPECT_EQ(kSinkMetrics[row].type, INGEST_METRIC_COUNTER);
        EXPECT_EQ(kSinkMetrics[row].struct_size, sizeof(ingest_metric_def));
    }
    // The summary line uses the same names.
    for (const auto& metric : kSinkMetrics)
        EXPECT_NE(counters.summary().find(std::string(" ") + metric.name + "="), std::string::npos) << metric.name;
}

TEST(SinkCounters, TheReporterAddsOnlyWhatGrew) {
    Recorded recorded;
    ingest_host raw{};
    raw.struct_size = sizeof(ingest_host);
    raw.context = &recorded;
    raw.metric_add = &record_add;
    const ingest::sdk::Host host(&raw);

    SinkCounters counters;
    MetricsReporter reporter;
    counters.inserted = 5;
    reporter.report(counters, host);
    counters.inserted = 7;
    counters.retries = 1;
    reporter.report(counters, host);
    reporter.report(counters, host);  // nothing new
    EXPECT_EQ(recorded.added[kInserted], 7);
    EXPECT_EQ(recorded.added[kRetries], 1);
    EXPECT_EQ(recorded.added.count(kUpdated), 0u);
}

TEST(SinkCounters, AHostOlderThanAbi_1_2IsNotCalled) {
    Recorded recorded;
    ingest_host raw{};
    raw.struct_size = offsetof(ingest_host, metric_add);  // a 1.1 host
    raw.context = &recorded;
    raw.metric_add = &record_add;  // beyond its struct: must not be used
    SinkCounters counters;
    counters.inserted = 3;
    MetricsReporter().report(counters, ingest::sdk::Host(&raw));
    EXPECT_TRUE(recorded.added.empty());
}

}  // namespace
