#include "report.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace ingest::plugins::sink_validator {
namespace {

Report sample() {
    Report report(2);
    Counts& counts = report.counts();
    counts.records = 100000;
    counts.expected = 91234;
    counts.present = 91234;
    counts.invalidated = 1234;
    counts.deleted = 567;
    counts.late = 2345;
    counts.duplicates = 3456;
    counts.dead_letters = 789;
    return report;
}

TEST(Report, SummarisesAPass) {
    const Report report = sample();
    EXPECT_TRUE(report.passed());
    EXPECT_EQ(report.summary(),
              "100000 records, 91234 rows expected = present, 0 missing, 0 unexpected, 0 "
              "mismatched; invalidated 1234, deleted 567, late 2345, duplicates 3456, dead letters 789");
    EXPECT_EQ(report.metrics_line(),
              "seed metrics: total_events=100000 invalidated=1234 late_arrivals=2345 deletions=567 "
              "duplicates_ignored=3456 dead_letters=789 ingestion_success=100.00% (91234/91234 rows)");
}

TEST(Report, SummarisesAFailureWithEveryFailingCategory) {
    Report report = sample();
    report.counts().present = 91230;
    for (int i = 0; i < 4; ++i) report.add(Discrepancy::Missing, {"id-" + std::to_string(i), "no row", {}});
    report.add(Discrepancy::Resurrected, {"id-9", "deleted", {}});
    EXPECT_FALSE(report.passed());
    EXPECT_EQ(report.summary(),
              "100000 records, 91234 rows expected, 91230 present, 4 missing, 0 unexpected, 0 "
              "mismatched; invalidated 1234, deleted 567, late 2345, duplicates 3456, dead letters "
              "789; failing: missing 4, resurrected 1");
    EXPECT_EQ(report.finding(Discrepancy::Missing).examples.size(), 2u);
}

TEST(Report, SaysWhatWasMissingAtTheDeadline) {
    Report report(10);
    report.counts().records = 5;
    report.set_waiting_for({"audit log incomplete (5 records so far, no completion line)",
                            "sink user-events-postgres at offset 3 of 9 on user-events partition 2"},
                           600000);
    EXPECT_FALSE(report.passed());
    EXPECT_EQ(report.summary(),
              "no verdict possible within 600000 ms, still missing: audit log incomplete (5 "
              "records so far, no completion line); sink user-events-postgres at offset 3 of 9 on "
              "user-events partition 2 (5 audit records read)");
    const boost::json::object json = report.to_json();
    EXPECT_EQ(json.at("verdict"), "FAIL");
    EXPECT_EQ(json.at("waiting_for").as_array().size(), 2u);
}

TEST(Report, SaysWhyItAborted) {
    Report report(10);
    report.set_aborted("audit log a.jsonl line 3: not JSON (syntax error)");
    EXPECT_FALSE(report.passed());
    EXPECT_EQ(report.summary(), "audit log a.jsonl line 3: not JSON (syntax error)");
    EXPECT_EQ(report.to_json().at("aborted"), "audit log a.jsonl line 3: not JSON (syntax error)");
}

TEST(Report, RendersJsonWithCountsExamplesAndVerdict) {
    Report report = sample();
    report.add(Discrepancy::Mismatched,
               {"0000-id", "expected the record at partition 0 offset 5", {{"is_valid", "false", "true"}}});
    const boost::json::object json = report.to_json();
    EXPECT_EQ(json.at("verdict"), "FAIL");
    EXPECT_EQ(json.at("counts").at("mismatched"), 1);
    EXPECT_EQ(json.at("counts").at("expected"), 91234);
    EXPECT_EQ(json.at("metrics").at("dead_letters"), 789);
    const auto& example = json.at("discrepancies").at("mismatched").at("examples").at(0);
    EXPECT_EQ(example.at("event_id"), "0000-id");
    EXPECT_EQ(example.at("fields").at("is_valid").at("expected"), "false");
    EXPECT_EQ(example.at("fields").at("is_valid").at("actual"), "true");
    EXPECT_EQ(json.at("discrepancies").at("missing").at("count"), 0);
    EXPECT_FALSE(json.contains("waiting_for"));
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
