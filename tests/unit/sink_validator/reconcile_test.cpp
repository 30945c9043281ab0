#include "reconcile.hpp"
#include "fingerprint.hpp"
#include "shared/user_events/uuid.hpp"
#include "scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ingest::plugins::sink_validator {
namespace {

using shared::user_events::parse_uuid;

using testing::Event;
using testing::Scenario;
using testing::event_id;
using testing::ScriptedRecord;

// A run with one of everything; the table, deletions and topics start out correct and each test
// breaks one thing.
class ReconcileTest : public ::testing::Test {
   protected:
    ReconcileTest() {
        Event invalid = b.revised(1);
        invalid.is_valid = false;
        scenario.send(Intent::Create, a, 0, 0)
            .send(Intent::Create, c, 0, 1)
            .send(Intent::Duplicate, a, 0, 2)
            .tombstone(c.id, 0, 3)
            .send(Intent::Duplicate, c, 0, 4)
            .send(Intent::Correct, a.revised(1), 0, 5)
            .send(Intent::Create, b, 1, 0)
            .send(Intent::Invalidate, invalid, 1, 1)
            .record(Intent::Malformed, "bad-key", "{\"no\": \"fields\"}", 1, 2);
        expected = scenario.expected();
        topic = scenario.topic();
        rows = testing::correct_rows(expected);
        deletions = testing::correct_deletions(expected);
    }

    Report run() const { return reconcile(expected, topic, rows, deletions, 10); }

    TableRow& row_of(const std::string& id) {
        auto found = std::find_if(rows.begin(), rows.end(),
                                  [&](const TableRow& row) { return row.event_id == *parse_uuid(id); });
        if (found == rows.end()) throw std::runtime_error("no row " + id);
        return *found;
    }

    // Only `which` is reported, exactly `count` times.
    static void expect_only(const Report& report, Discrepancy which, int64_t count = 1) {
        EXPECT_FALSE(report.passed());
        for (size_t i = 0; i < kDiscrepancyCount; ++i) {
            const auto discrepancy = static_cast<Discrepancy>(i);
            EXPECT_EQ(report.finding(discrepancy).count, discrepancy == which ? count : 0)
                << discrepancy_name(discrepancy);
        }
    }

    const Event a{event_id(1)};
    const Event b{event_id(2)};
    const Event c{event_id(3)};
    Scenario scenario;
    ExpectedState expected;
    TopicIndex topic;
    std::vector<TableRow> rows;
    std::vector<Uuid> deletions;
};

TEST_F(ReconcileTest, PassesOnACorrectTable) {
    const Report report = run();
    EXPECT_TRUE(report.passed()) << report.summary();
    const Counts& counts = report.counts();
    EXPECT_EQ(counts.records, 9);
    EXPECT_EQ(counts.expected, 2);
    EXPECT_EQ(counts.present, 2);
    EXPECT_EQ(counts.invalidated, 1);
    EXPECT_EQ(counts.deleted, 1);
    EXPECT_EQ(counts.duplicates, 2);
    EXPECT_EQ(counts.malformed, 1);
    EXPECT_EQ(counts.dead_letters, 1);
    EXPECT_EQ(counts.table_rows, 2);
    EXPECT_EQ(counts.deletion_rows, 1);
    EXPECT_EQ(counts.topic_records, 9);
    EXPECT_DOUBLE_EQ(report.ingestion_success(), 1.0);
}

TEST_F(ReconcileTest, DetectsAMissingRow) {
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const TableRow& row) { return row.event_id == *parse_uuid(a.id); }),
               rows.end());
    const Report report = run();
    expect_only(report, Discrepancy::Missing);
    EXPECT_EQ(report.finding(Discrepancy::Missing).examples[0].subject, a.id);
    EXPECT_DOUBLE_EQ(report.ingestion_success(), 0.5);
}

TEST_F(ReconcileTest, DetectsAFlippedIsValid) {
    row_of(b.id).fields.is_valid = true;
    const Report report = run();
    expect_only(report, Discrepancy::Mismatched);
    const Example& example = report.finding(Discrepancy::Mismatched).examples.at(0);
    EXPECT_EQ(example.subject, b.id);
    ASSERT_EQ(example.fields.size(), 1u);
    EXPECT_EQ(example.fields[0].field, "is_valid");
    EXPECT_EQ(example.fields[0].expected, "false");
    EXPECT_EQ(example.fields[0].actual, "true");
}

TEST_F(ReconcileTest, DetectsAResurrectedDeletedEvent) {
    rows.push_back({*parse_uuid(c.id), testing::expected_fields(expected, a.id), 0, 4});
    const Report report = run();
    expect_only(report, Discrepancy::Resurrected);
    EXPECT_EQ(report.finding(Discrepancy::Resurrected).examples[0].subject, c.id);
}

TEST_F(ReconcileTest, DetectsAnUnexpectedRow) {
    rows.push_back({*parse_uuid(event_id(77)), rows[0].fields, 0, 99});
    const Report report = run();
    expect_only(report, Discrepancy::Unexpected);
    EXPECT_EQ(report.finding(Discrepancy::Unexpected).examples[0].subject, event_id(77));
}

TEST_F(ReconcileTest, DetectsAChangedFieldToTheMicrosecond) {
    row_of(a.id).fields.event_time_us += 1;
    row_of(a.id).fields.user_id = "user-9";
    const Report report = run();
    expect_only(report, Discrepancy::Mismatched);
    const Example& example = report.finding(Discrepancy::Mismatched).examples.at(0);
    ASSERT_EQ(example.fields.size(), 2u);
    EXPECT_EQ(example.fields[0].field, "user_id");
    EXPECT_EQ(example.fields[1].field, "event_time");
    EXPECT_EQ(example.fields[1].expected, "2026-11-25T08:00:00.123456Z");
    EXPECT_EQ(example.fields[1].actual, "2026-11-25T08:00:00.123457Z");
}

TEST_F(ReconcileTest, DetectsADuplicateThatOverwroteTheRow) {
    // Same content, but the row claims the stale duplicate at offset 2 wrote it.
    row_of(a.id).fields.revision = 0;
    row_of(a.id).offset = 2;
    const Report report = run();
    expect_only(report, Discrepancy::Mismatched);
    const Example& example = report.finding(Discrepancy::Mismatched).examples.at(0);
    ASSERT_EQ(example.fields.size(), 2u);
    EXPECT_EQ(example.fields[0].field, "revision");
    EXPECT_EQ(example.fields[1].field, "kafka_offset");
}

TEST_F(ReconcileTest, DetectsAMalformedRecordMissingFromTheDeadLetterTopic) {
    topic = TopicIndex();
    for (const ScriptedRecord& record : scenario.records())
        topic.add_source(record.partition, record.offset, record_fingerprint(record.key, record.value));
    const Report report = run();
    expect_only(report, Discrepancy::DeadLettersMissing);
    EXPECT_EQ(report.finding(Discrepancy::DeadLettersMissing).examples[0].subject, "bad-key");
    EXPECT_EQ(report.counts().dead_letters, 0);
}

TEST_F(ReconcileTest, DetectsADeadLetterForAValidRecord) {
    topic.add_dead_letter(0, 50, {"user-events", 0, 5}, 1234);
    const Report report = run();
    expect_only(report, Discrepancy::DeadLettersUnexpected);
}

TEST_F(ReconcileTest, DetectsADeadLetterWithoutOrigin) {
    topic.add_stray_dead_letter({0, 51, "missing __connect.errors.topic/partition/offset header"});
    expect_only(run(), Discrepancy::DeadLettersUnexpected);
}

TEST_F(ReconcileTest, DetectsATopicRecordMissingAtItsOffset) {
    topic = TopicIndex();
    for (const ScriptedRecord& record : scenario.records()) {
        if (record.partition == 0 && record.offset == 4) continue;
        topic.add_source(record.partition, record.offset, record_fingerprint(record.key, record.value));
        if (record.intent == Intent::Malformed)
            topic.add_dead_letter(0, 0, {"user-events", record.partition, record.offset},
                                  record_fingerprint(record.key, record.value));
    }
    const Report report = run();
    expect_only(report, Discrepancy::TopicMissing);
    EXPECT_EQ(report.finding(Discrepancy::TopicMissing).examples[0].subject, "partition 0 offset 4");
}

TEST_F(ReconcileTest, DetectsDifferentBytesInTheTopic) {
    topic.add_source(0, 4, record_fingerprint(c.id, "tampered"));
    expect_only(run(), Discrepancy::TopicMismatched);
}

TEST_F(ReconcileTest, DetectsATopicRecordTheAuditLogDoesNotAccountFor) {
    topic.add_source(1, 3, record_fingerprint(event_id(50), Event{event_id(50)}.value()));
    const Report report = run();
    expect_only(report, Discrepancy::TopicUnexpected);
    EXPECT_EQ(report.finding(Discrepancy::TopicUnexpected).examples[0].subject, "partition 1 offset 3");
}

TEST_F(ReconcileTest, DetectsADeletionTheTableForgot) {
    deletions.clear();
    expect_only(run(), Discrepancy::DeletionsMissing);
}

TEST_F(ReconcileTest, DetectsADeletionThatNeverHappened) {
    deletions.push_back(*parse_uuid(a.id));
    expect_only(run(), Discrepancy::DeletionsUnexpected);
}

TEST_F(ReconcileTest, KeepsOnlyTheFirstExamples) {
    for (int i = 100; i < 120; ++i) rows.push_back({*parse_uuid(event_id(i)), rows[0].fields, 0, i});
    const Report report = reconcile(expected, topic, rows, deletions, 3);
    EXPECT_EQ(report.finding(Discrepancy::Unexpected).count, 20);
    EXPECT_EQ(report.finding(Discrepancy::Unexpected).examples.size(), 3u);
}

TEST(Reconcile, ReportsAuditLogContradictions) {
    Scenario scenario;
    scenario.send(Intent::Create, Event{event_id(1)}, 0, 0);
    std::vector<std::string> lines = scenario.audit_lines();
    lines.back() = R"({"complete":true,"totals":{"records":2,"confirmed":2,"failed":0,"create":2,)"
                   R"("duplicate":0,"correct":0,"invalidate":0,"delete":0,"malformed":0}})";
    const ExpectedState expected = testing::expected_of(lines);
    const Report report = reconcile(expected, scenario.topic(), testing::correct_rows(expected), {}, 10);
    EXPECT_FALSE(report.passed());
    EXPECT_EQ(report.finding(Discrepancy::AuditInconsistencies).count, 3);  // records, confirmed, create
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
