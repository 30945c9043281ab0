#include "readiness.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::sink_validator {
namespace {

ReadinessFacts ready() {
    ReadinessFacts facts;
    facts.audit_path = ".run/user-events.audit.jsonl";
    facts.source_seen = true;
    facts.audit_found = true;
    facts.audit_complete = true;
    facts.audit_records = 10;
    facts.source_topic = "user-events";
    facts.dead_letter_topic = "user-events.dlq";
    facts.sink_connector = "user-events-postgres";
    facts.source = {{0, 0, 6, 6, true, 6}, {1, 0, 4, 4, true, 3}, {2, 0, 0, std::nullopt, true}};
    facts.dead_letter = {{0, 0, 1, 1, true}};
    facts.dead_letters_expected = true;
    facts.sink_offsets = std::map<int32_t, int64_t>{{0, 6}, {1, 4}};
    return facts;
}

TEST(Readiness, ReadyWhenEverythingReachedTheEnd) {
    EXPECT_TRUE(missing_conditions(ready()).empty());
}

TEST(Readiness, WaitsForTheAuditLog) {
    ReadinessFacts facts = ready();
    facts.audit_complete = false;
    EXPECT_EQ(missing_conditions(facts),
              std::vector<std::string>{"audit log incomplete (10 records so far, no completion line)"});
    facts.audit_found = false;
    EXPECT_EQ(missing_conditions(facts),
              std::vector<std::string>{"audit log .run/user-events.audit.jsonl not found"});
}

TEST(Readiness, ReadsTheAuditLogOnlyOnceTheSourceStarted) {
    ReadinessFacts facts = ready();
    facts.source_seen = false;
    EXPECT_EQ(missing_conditions(facts),
              std::vector<std::string>{"no record of user-events read yet (the audit log is read "
                                       "once the source has started)"});
}

TEST(Readiness, RefusesAnAuditLogThatReachesBeyondTheTopic) {
    // An old run's log: it confirms offsets this topic does not have (yet).
    ReadinessFacts facts = ready();
    facts.source[1].audited_end = 9;
    EXPECT_EQ(missing_conditions(facts),
              std::vector<std::string>{"user-events partition 1 ends at offset 4 but the audit log "
                                       "confirms a record at offset 8"});
}

TEST(Readiness, WaitsForTheSink) {
    ReadinessFacts facts = ready();
    facts.sink_offsets = std::map<int32_t, int64_t>{{0, 5}};
    EXPECT_EQ(missing_conditions(facts),
              (std::vector<std::string>{
                  "sink user-events-postgres at offset 5 of 6 on user-events partition 0",
                  "sink user-events-postgres has stored no offset for user-events partition 1 "
                  "(high watermark 4)"}));
}

TEST(Readiness, WaitsForItsOwnConsumption) {
    ReadinessFacts facts = ready();
    facts.source[0].consumed_next = 3;
    facts.source[1].assigned = false;
    facts.dead_letter[0].consumed_next = std::nullopt;
    EXPECT_EQ(missing_conditions(facts),
              (std::vector<std::string>{
                  "validator has read user-events partition 0 up to offset 3 of 6",
                  "validator is not assigned user-events partition 1 (run it with tasks.max=1)",
                  "validator has read user-events.dlq partition 0 up to offset 0 of 1"}));
}

TEST(Readiness, NeedsTheDeadLetterTopicOnlyWhenSomethingIsMalformed) {
    ReadinessFacts facts = ready();
    facts.dead_letter.clear();
    EXPECT_EQ(missing_conditions(facts),
              std::vector<std::string>{"validator is not assigned any partition of user-events.dlq"});
    facts.dead_letters_expected = false;
    EXPECT_TRUE(missing_conditions(facts).empty());
}

TEST(Readiness, ReportsGatheringProblems) {
    ReadinessFacts facts = ready();
    facts.problems.push_back("database: connection refused");
    EXPECT_EQ(missing_conditions(facts), std::vector<std::string>{"database: connection refused"});
}

}  // namespace
}  // namespace ingest::plugins::sink_validator

namespace ingest::plugins::sink_validator {
namespace {

TEST(RecordsLostToSink, NoneWhileTheSinkIsAtOrAboveTheLogStart) {
    ReadinessFacts facts = ready();
    EXPECT_TRUE(records_lost_to_sink(facts).empty());
    facts.source[0].low = 6;  // everything read before retention removed it
    EXPECT_TRUE(records_lost_to_sink(facts).empty());
    facts.sink_offsets.reset();  // not read: nothing can be said
    facts.source[0].low = 100;
    EXPECT_TRUE(records_lost_to_sink(facts).empty());
}

TEST(RecordsLostToSink, NamesTheOffsetsDeletedBeforeTheSinkReadThem) {
    ReadinessFacts facts = ready();
    facts.source[0] = {0, 40, 90, 90, true, 90};
    facts.sink_offsets = std::map<int32_t, int64_t>{{0, 25}, {1, 4}};
    EXPECT_EQ(records_lost_to_sink(facts),
              std::vector<std::string>{
                  "records lost: sink user-events-postgres can never read user-events partition 0 "
                  "offsets 25..39 (15 records): they were deleted from the log (retention) before it "
                  "read them; its next offset is 25, the log starts at 40"});
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
