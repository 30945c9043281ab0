#include "audit_log_set.hpp"
#include "scenario.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::sink_validator {
namespace {

using testing::Event;
using testing::Scenario;
using testing::event_id;

void feed(AuditLog& log, const std::vector<std::string>& lines) {
    for (size_t i = 0; i < lines.size(); ++i) log.add_line(lines[i], i + 1);
}

TEST(AuditLogSet, PathsFollowTheSimulatorsRule) {
    EXPECT_EQ(audit_log_paths("/x/audit.jsonl", 1), std::vector<std::string>{"/x/audit.jsonl"});
    EXPECT_EQ(audit_log_paths("/x/audit.jsonl", 3),
              (std::vector<std::string>{"/x/audit.jsonl.0", "/x/audit.jsonl.1", "/x/audit.jsonl.2"}));
}

TEST(AuditLogSet, MergesTheFilesOfSeveralTasks) {
    const Event first{event_id(1)}, second{event_id(2)}, third{event_id(3)};
    Scenario task0;
    task0.send(Intent::Create, first, 0, 0)
        .send(Intent::Create, second, 1, 0)
        .send(Intent::Invalidate, [&] {
            Event invalid = second.revised(1);
            invalid.is_valid = false;
            return invalid;
        }(), 1, 1);
    Scenario task1;
    task1.send(Intent::Create, third, 0, 1)
        .tombstone(third.id, 0, 2)
        .record(Intent::Malformed, "k", "garbage", 2, 0)
        .refused(Intent::Create, Event{event_id(4)});

    AuditLogSet logs(2);
    feed(logs.file(0), task0.audit_lines());
    feed(logs.file(1), task1.audit_lines(false));
    EXPECT_FALSE(logs.complete()) << "one file has no completion line yet";
    // A file replaced: the files' records are folded together, so every file is read again.
    logs.reset();
    feed(logs.file(0), task0.audit_lines());
    feed(logs.file(1), task1.audit_lines());
    EXPECT_TRUE(logs.complete());

    EXPECT_EQ(logs.observed().records, 7);
    EXPECT_EQ(logs.observed().confirmed, 6);
    EXPECT_EQ(logs.observed().failed, 1);
    EXPECT_EQ(logs.malformed_records(), 1);
    const auto highest = logs.highest_offsets();
    EXPECT_EQ(highest.at(0), 2);
    EXPECT_EQ(highest.at(1), 1);
    EXPECT_EQ(highest.at(2), 0);

    const ExpectedState& expected = logs.finish({"a.0", "a.1"});
    EXPECT_TRUE(expected.audit_inconsistencies.empty());
    EXPECT_EQ(expected.counts.records, 6);
    EXPECT_EQ(expected.counts.failed, 1);
    EXPECT_EQ(expected.counts.expected_rows, 2);
    EXPECT_EQ(expected.counts.invalidated, 1);
    EXPECT_EQ(expected.counts.deleted, 1);
    EXPECT_EQ(expected.counts.malformed, 1);
    std::vector<Position> carried;
    expected.positions().for_each([&](const AuditPosition& record) {
        carried.emplace_back(record.partition, record.offset);
    });
    ASSERT_EQ(carried.size(), 6u);
    EXPECT_EQ(carried[1], Position(0, 1));  // Kafka order across files
}

TEST(AuditLogSet, TwoFilesClaimingOneOffsetAreAnInconsistency) {
    Scenario task0, task1;
    task0.send(Intent::Create, Event{event_id(1)}, 0, 5);
    task1.send(Intent::Create, Event{event_id(2)}, 0, 5);
    AuditLogSet logs(2);
    feed(logs.file(0), task0.audit_lines());
    feed(logs.file(1), task1.audit_lines());
    const ExpectedState& expected = logs.finish({"a.0", "a.1"});
    ASSERT_EQ(expected.audit_inconsistencies.size(), 1u);
    EXPECT_EQ(expected.audit_inconsistencies[0].subject, "partition 0 offset 5");
}

TEST(AuditLogSet, ACompletionLineThatDisagreesNamesItsFile) {
    Scenario task0, task1;
    task0.send(Intent::Create, Event{event_id(1)}, 0, 0);
    task1.send(Intent::Create, Event{event_id(2)}, 0, 1);
    AuditLogSet logs(2);
    feed(logs.file(0), task0.audit_lines());
    auto lines = task1.audit_lines();
    lines.erase(lines.begin());  // the completion line still counts it
    feed(logs.file(1), lines);
    const ExpectedState& expected = logs.finish({"a.0", "a.1"});
    ASSERT_FALSE(expected.audit_inconsistencies.empty());
    EXPECT_EQ(expected.audit_inconsistencies[0].subject, "completion line of a.1");
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
