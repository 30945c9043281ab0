// The copy rule: a source that restarts sends again the records whose outcome it did not know, so
// the topic may hold a record twice, once without an audit line. The validator accepts such a
// record only as a byte-identical copy of a confirmed record of the same partition, and expects a
// row to come from the earliest identical copy of the record that decided it.
#include "fingerprint.hpp"
#include "reconcile.hpp"
#include "scenario.hpp"
#include "shared/user_events/uuid.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ingest::plugins::sink_validator {
namespace {

using shared::user_events::parse_uuid;
using testing::Event;
using testing::event_id;
using testing::Scenario;

// Partition 0 after a restart of the source: before the kill it had sent `a` (confirmed, offset
// 0), then a's correction and c's create, which reached the topic (offsets 1 and 2) but whose
// reports never came. The restarted source sent both again (confirmed at 3 and 4) and went on
// with a stale duplicate of `a` (5). A correct sink applied offsets 0, 1 and 2, and counted 3, 4
// and 5 as duplicates.
class CopiesTest : public ::testing::Test {
   protected:
    CopiesTest() {
        scenario.send(Intent::Create, a, 0, 0)
            .send(Intent::Correct, a.revised(1), 0, 3)
            .send(Intent::Create, c, 0, 4)
            .send(Intent::Duplicate, a, 0, 5)
            .send(Intent::Create, b, 1, 0);
        expected = scenario.expected();
        topic = scenario.topic();
        add_copy(0, 1, a.id, a.revised(1).value());
        add_copy(0, 2, c.id, c.value());
        rows = testing::correct_rows(expected);
        row_of(a.id).offset = 1;
        row_of(c.id).offset = 2;
    }

    void add_copy(int32_t partition, int64_t offset, const std::string& key,
                  std::optional<std::string> value) {
        topic.add_source(partition, offset, record_fingerprint(key, value));
    }

    Report run() const { return reconcile(expected, topic, rows, {}, 10); }

    TableRow& row_of(const std::string& id) {
        auto found = std::find_if(rows.begin(), rows.end(), [&](const TableRow& row) {
            return row.event_id == *parse_uuid(id);
        });
        if (found == rows.end()) throw std::runtime_error("no row " + id);
        return *found;
    }

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
};

TEST_F(CopiesTest, AcceptsIdenticalCopiesAndTheirEarliestOffsetAsProvenance) {
    const Report report = run();
    EXPECT_TRUE(report.passed()) << report.summary();
    const Counts& counts = report.counts();
    EXPECT_EQ(counts.records, 5) << "counts come from the audit log alone";
    EXPECT_EQ(counts.copies, 2);
    EXPECT_EQ(counts.topic_records, 7);
    EXPECT_EQ(counts.expected, 3);
    EXPECT_EQ(counts.present, 3);
    EXPECT_EQ(counts.duplicates, 1);
    EXPECT_NE(report.summary().find("2 identical copies in the topic"), std::string::npos)
        << report.summary();
}

TEST_F(CopiesTest, ARowFromTheConfirmedCopyIsADuplicateEffect) {
    // The sink applied the later copy of a's correction again: it rewrote the row.
    row_of(a.id).offset = 3;
    const Report report = run();
    expect_only(report, Discrepancy::Mismatched);
    const Example& example = report.finding(Discrepancy::Mismatched).examples.at(0);
    EXPECT_EQ(example.subject, a.id);
    ASSERT_EQ(example.fields.size(), 1u);
    EXPECT_EQ(example.fields[0].field, "kafka_offset");
    EXPECT_EQ(example.fields[0].expected, "1");
    EXPECT_EQ(example.fields[0].actual, "3");
    EXPECT_NE(example.detail.find("the first identical copy of the confirmed record at offset 3"),
              std::string::npos)
        << example.detail;
}

TEST_F(CopiesTest, WithoutCopiesTheConfirmedOffsetIsExpected) {
    topic = scenario.topic();
    row_of(a.id).offset = 3;
    row_of(c.id).offset = 4;
    const Report report = run();
    EXPECT_TRUE(report.passed()) << report.summary();
    EXPECT_EQ(report.counts().copies, 0);
}

TEST_F(CopiesTest, ACopyAfterTheDecidingRecordChangesNothing) {
    add_copy(0, 6, a.id, a.revised(1).value());
    const Report report = run();
    EXPECT_TRUE(report.passed()) << report.summary();
    EXPECT_EQ(report.counts().copies, 3);
}

TEST_F(CopiesTest, ACopyOfAStaleRecordChangesNoProvenance) {
    add_copy(0, 6, a.id, a.value());
    const Report report = run();
    EXPECT_TRUE(report.passed()) << report.summary();
}

TEST_F(CopiesTest, ARecordThatDiffersIsUnexpected) {
    Event changed = a.revised(1);
    changed.user = "user-2";
    add_copy(0, 6, a.id, changed.value());
    const Report report = run();
    expect_only(report, Discrepancy::TopicUnexpected);
    EXPECT_EQ(report.finding(Discrepancy::TopicUnexpected).examples.at(0).subject,
              "partition 0 offset 6");
    EXPECT_EQ(report.counts().copies, 2);
}

TEST_F(CopiesTest, ACopyInAnotherPartitionIsUnexpected) {
    add_copy(1, 1, a.id, a.value());
    const Report report = run();
    expect_only(report, Discrepancy::TopicUnexpected);
    EXPECT_NE(report.finding(Discrepancy::TopicUnexpected).examples.at(0).detail.find("partition 0"),
              std::string::npos);
}

TEST_F(CopiesTest, ACopyOfAFailedRecordIsUnexpected) {
    // The broker refused d: a record identical to it explains nothing.
    const Event d{event_id(4)};
    scenario.refused(Intent::Create, d);
    expected = scenario.expected();
    add_copy(0, 6, d.id, d.value());
    expect_only(run(), Discrepancy::TopicUnexpected);
}

TEST_F(CopiesTest, ACopyOfATombstoneIsAccepted) {
    scenario.tombstone(b.id, 1, 2);
    expected = scenario.expected();
    topic = scenario.topic();
    add_copy(0, 1, a.id, a.revised(1).value());
    add_copy(0, 2, c.id, c.value());
    add_copy(1, 1, b.id, std::nullopt);
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const TableRow& row) { return row.event_id == *parse_uuid(b.id); }),
               rows.end());
    const std::vector<Uuid> deletions{*parse_uuid(b.id)};
    const Report report = reconcile(expected, topic, rows, deletions, 10);
    EXPECT_TRUE(report.passed()) << report.summary();
    EXPECT_EQ(report.counts().copies, 3);
}

TEST_F(CopiesTest, AMalformedCopyNeedsItsOwnDeadLetter) {
    const std::string key = "not-a-uuid";
    const std::string value = "{\"truncated\":";
    scenario.record(Intent::Malformed, key, value, 1, 2);
    expected = scenario.expected();
    topic = scenario.topic();  // the confirmed one is dead-lettered
    add_copy(0, 1, a.id, a.revised(1).value());
    add_copy(0, 2, c.id, c.value());
    add_copy(1, 1, key, value);
    Report report = run();
    expect_only(report, Discrepancy::DeadLettersMissing);
    EXPECT_EQ(report.finding(Discrepancy::DeadLettersMissing).examples.at(0).subject,
              "partition 1 offset 1");

    topic.add_dead_letter(0, 7, {"user-events", 1, 1}, record_fingerprint(key, value));
    report = run();
    EXPECT_TRUE(report.passed()) << report.summary();
    EXPECT_EQ(report.counts().dead_letters, 1) << "dead_letters counts audited records";
    EXPECT_EQ(report.counts().copies, 3);
}

// The audit log itself: one line per seq, from 0 to records - 1.
AuditLog log_of(const std::vector<std::string>& lines) {
    AuditLog log;
    for (size_t i = 0; i < lines.size(); ++i) log.add_line(lines[i], i + 1);
    return log;
}

std::string line(int seq, int offset, const char* status = "confirmed") {
    if (std::string(status) == "failed")
        return R"({"seq":)" + std::to_string(seq) +
               R"(,"intent":"create","key":"k","value":"v","partition":-1,"offset":-1,"status":"failed","error":"e"})";
    return R"({"seq":)" + std::to_string(seq) + R"(,"intent":"create","key":"k","value":"v","partition":0,"offset":)" +
           std::to_string(offset) + R"(,"status":"confirmed"})";
}

std::string completion(int records, int confirmed, int failed) {
    return R"({"complete":true,"totals":{"records":)" + std::to_string(records) + R"(,"confirmed":)" +
           std::to_string(confirmed) + R"(,"failed":)" + std::to_string(failed) + R"(,"create":)" +
           std::to_string(records) + R"(,"duplicate":0,"correct":0,"invalidate":0,"delete":0,"malformed":0}})";
}

TEST(AuditLogSeqs, AContinuedLogInAnyOrderIsConsistent) {
    const AuditLog log = log_of({line(1, 0), line(0, 1), line(3, 2, "failed"), line(2, 3), completion(4, 3, 1)});
    EXPECT_TRUE(log.inconsistencies().empty());
}

TEST(AuditLogSeqs, ASeqWithTwoLinesIsAnInconsistency) {
    const AuditLog log = log_of({line(0, 0), line(1, 1), line(1, 2), completion(3, 3, 0)});
    const auto problems = log.inconsistencies();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "1 lines repeat a seq (or leave the stream's range): seq 1");
}

TEST(AuditLogSeqs, ASeqWithoutALineIsAnInconsistency) {
    const AuditLog log = log_of({line(0, 0), line(2, 1), line(4, 2, "failed"), completion(3, 2, 1)});
    const auto problems = log.inconsistencies();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "2 seqs below 5 have no line: seq 1, 3");
}

TEST(AuditLogSeqs, AnIncompleteLogIsNotJudgedYet) {
    EXPECT_TRUE(log_of({line(0, 0), line(2, 1)}).inconsistencies().empty());
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
