// The compaction rule (source.topic.compacted): Kafka's log cleaner keeps the last record of every
// key and removes a tombstone itself after delete.retention.ms. On a compacted topic a confirmed
// record may be missing only when compaction explains it; the table must still equal the truth.
#include "fingerprint.hpp"
#include "reconcile.hpp"
#include "scenario.hpp"
#include "shared/user_events/uuid.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace ingest::plugins::sink_validator {
namespace {

using shared::user_events::parse_uuid;
using testing::Event;
using testing::event_id;
using testing::Scenario;

// Partition 0: `a` created (0) and corrected (1); `b` created (2) and deleted (3); `c` created (4)
// and sent again byte for byte (5); then `d` (partition 1). The cleaner removed 0 (a has a later
// record), 2 and 3 (b's tombstone, past delete.retention.ms, took everything with it) and 4 (c's
// identical record at 5 is later). A sink that read the compacted topic applied 1, 5 and d, and
// never saw b.
class CompactionTest : public ::testing::Test {
   protected:
    CompactionTest() {
        scenario.send(Intent::Create, a, 0, 0)
            .send(Intent::Correct, a.revised(1), 0, 1)
            .send(Intent::Create, b, 0, 2)
            .tombstone(b.id, 0, 3)
            .send(Intent::Create, c, 0, 4)
            .send(Intent::Duplicate, c, 0, 5)
            .send(Intent::Create, d, 1, 0);
        expected = scenario.expected();
        compact({{0, 0}, {0, 2}, {0, 3}, {0, 4}});
        rows = testing::correct_rows(expected);
        row_of(c.id).offset = 5;
    }

    // The topic as the validator reads it once the cleaner removed `gone`.
    void compact(std::set<std::pair<int32_t, int64_t>> gone) {
        topic = TopicIndex();
        for (const auto& record : scenario.records())
            if (!gone.contains({record.partition, record.offset}))
                topic.add_source(record.partition, record.offset, record_fingerprint(record.key, record.value));
    }

    Report run(bool compacted = true) const { return reconcile(expected, topic, rows, deletions, 10, compacted); }

    TableRow& row_of(const std::string& id) {
        auto found = std::find_if(rows.begin(), rows.end(),
                                  [&](const TableRow& row) { return row.event_id == *parse_uuid(id); });
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
    const Event d{event_id(4)};
    Scenario scenario;
    ExpectedState expected;
    TopicIndex topic;
    std::vector<TableRow> rows;
    std::vector<Uuid> deletions;
};

TEST_F(CompactionTest, PassesWhenCompactionExplainsEveryMissingRecord) {
    const Report report = run();
    EXPECT_TRUE(report.passed()) << report.summary();
    EXPECT_EQ(report.counts().compacted, 4);
    EXPECT_EQ(report.counts().topic_records, 3);
    EXPECT_EQ(report.counts().records, 7);
    EXPECT_EQ(report.counts().present, 3);
    EXPECT_EQ(report.counts().deleted, 1);
}

TEST_F(CompactionTest, ASinkThatSawTheTombstoneMayHaveRecordedTheDeletion) {
    deletions.push_back(*parse_uuid(b.id));
    EXPECT_TRUE(run().passed()) << run().summary();
}

TEST_F(CompactionTest, WithoutTheFlagEveryMissingRecordIsTopicMissing) {
    deletions.push_back(*parse_uuid(b.id));
    row_of(c.id).offset = 4;
    expect_only(run(false), Discrepancy::TopicMissing, 4);
}

TEST_F(CompactionTest, AKeysLastRecordThatIsNoTombstoneIsNeverCompactedAway) {
    compact({{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}});
    // a's correction (offset 1) is a's last record: only loss explains that it is gone, and then
    // nothing later of a explains offset 0 either.
    const Report report = run();
    expect_only(report, Discrepancy::TopicMissing, 2);
    EXPECT_EQ(report.counts().compacted, 3);
}

TEST_F(CompactionTest, ALostTombstoneWithTheKeysEarlierRecordStillThereIsTopicMissing) {
    compact({{0, 0}, {0, 3}, {0, 4}});  // b's create is still there, its tombstone is not
    deletions.push_back(*parse_uuid(b.id));
    expect_only(run(), Discrepancy::TopicMissing);
}

TEST_F(CompactionTest, ARowFromALaterCopyWhileAnEarlierIdenticalRecordIsStillThereIsMismatched) {
    compact({{0, 0}, {0, 2}, {0, 3}});  // c's first record (4) is still in the topic
    expect_only(run(), Discrepancy::Mismatched);
}

TEST_F(CompactionTest, ARowForAnEventWhoseDeletionTheSinkMissedIsStillAResurrection) {
    // The sink read b's create before the cleaner ran and came to the tombstone after it was gone.
    rows.push_back({*parse_uuid(b.id), testing::expected_fields(expected, b.id), 0, 2});
    expect_only(run(), Discrepancy::Resurrected);
}

TEST_F(CompactionTest, AStaleRecordThatOutlivesTheCorrectionLeavesAWrongRowThatIsReported) {
    // A stale duplicate of a's original after its correction: the cleaner keeps the stale record
    // (the key's last) and removes the correction, so a sink that came late applies revision 0.
    Scenario stale;
    stale.send(Intent::Create, a, 0, 0).send(Intent::Correct, a.revised(1), 0, 1).send(Intent::Duplicate, a, 0, 2);
    expected = stale.expected();
    topic = TopicIndex();
    topic.add_source(0, 2, record_fingerprint(a.id, a.value()));
    rows = {{*parse_uuid(a.id), testing::expected_fields(expected, a.id), 0, 2}};
    rows[0].fields.revision = 0;
    const Report report = run();
    EXPECT_EQ(report.counts().compacted, 2);
    expect_only(report, Discrepancy::Mismatched);
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
