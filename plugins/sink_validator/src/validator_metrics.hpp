// The validator's metrics (ABI 1.2), exported as ingest_plugin_sink_validator_<name>{connector, task}:
// its verdict and what it was based on, so that dashboards and alerts see a FAIL without reading logs.
#pragma once

#include "report.hpp"

#include <ingest/sdk.hpp>

#include <cstdint>
#include <iterator>

namespace ingest::plugins::sink_validator {

enum ValidatorMetric : uint32_t {
    kVerdict,
    kDiscrepancies,
    kExpectedRows,
    kPresentRows,
    kIngestionSuccessRatio,
    kValidatorMetricCount
};
inline constexpr ingest_metric_def kValidatorMetrics[] = {
    sdk::gauge_metric("verdict", "The task's verdict: 1 PASS, 0 FAIL, -1 not judged yet."),
    sdk::gauge_metric("discrepancies", "Discrepancies found by the verdict, all categories together."),
    sdk::gauge_metric("expected_rows", "Rows the audit log says the table must hold."),
    sdk::gauge_metric("present_rows", "Expected rows found in the table (with or without differences)."),
    sdk::gauge_metric("ingestion_success_ratio", "Present rows over expected rows (1 when none are expected)."),
};
static_assert(std::size(kValidatorMetrics) == kValidatorMetricCount);

// Before any verdict.
inline void report_not_judged(const sdk::Host& host) { host.metric_set(kVerdict, -1); }

inline void report_verdict_metrics(const Report& report, const sdk::Host& host) {
    int64_t discrepancies = 0;
    for (size_t i = 0; i < kDiscrepancyCount; ++i) discrepancies += report.finding(static_cast<Discrepancy>(i)).count;
    host.metric_set(kVerdict, report.passed() ? 1 : 0);
    host.metric_set(kDiscrepancies, static_cast<double>(discrepancies));
    host.metric_set(kExpectedRows, static_cast<double>(report.counts().expected));
    host.metric_set(kPresentRows, static_cast<double>(report.counts().present));
    host.metric_set(kIngestionSuccessRatio, report.ingestion_success());
}

}  // namespace ingest::plugins::sink_validator
