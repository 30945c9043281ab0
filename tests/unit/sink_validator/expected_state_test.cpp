#include "expected_state.hpp"
#include "shared/user_events/rfc3339.hpp"
#include "scenario.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::sink_validator {
namespace {

using shared::user_events::parse_rfc3339_micros;
using shared::user_events::parse_uuid;

using testing::Event;
using testing::Scenario;
using testing::event_id;

ExpectedEvent find(const ExpectedState& state, const std::string& id) {
    const std::optional<ExpectedEvent> event = state.find(*parse_uuid(id));
    if (!event) throw std::runtime_error("no expectation for " + id);
    return *event;
}

// Every intent, including duplicates after a correction and after a deletion. Lines are scripted
// out of offset order, as delivery reports may arrive: only (partition, offset) order counts.
// The events of every_intent(), as expected at the end.
struct EveryIntentRows {
    Event a_corrected;
    Event b_invalid;
    Event late;
};

EveryIntentRows every_intent_rows() {
    const Event a{event_id(1)};
    const Event b{event_id(2), "user-2", "click"};
    Event late{event_id(4)};
    late.event_time = "2026-11-25T08:00:00Z";
    late.received_time = "2026-11-25T08:00:45.000001Z";
    Event b_invalid = b.revised(1);
    b_invalid.is_valid = false;
    Event a_corrected = a.revised(1);
    a_corrected.type = "purchase";
    return {a_corrected, b_invalid, late};
}

Scenario every_intent() {
    const Event a{event_id(1)};
    const Event b{event_id(2), "user-2", "click"};
    const Event c{event_id(3)};
    Event late{event_id(4)};
    late.event_time = "2026-11-25T08:00:00Z";
    late.received_time = "2026-11-25T08:00:45.000001Z";
    Event b_invalid = b.revised(1);
    b_invalid.is_valid = false;
    Event a_corrected = a.revised(1);
    a_corrected.type = "purchase";

    Scenario scenario;
    scenario.send(Intent::Duplicate, a, 0, 7)  // stale copy after the correction (offset 5)
        .send(Intent::Create, a, 0, 0)
        .send(Intent::Create, c, 0, 1)
        .send(Intent::Duplicate, a, 0, 2)
        .tombstone(c.id, 0, 3)
        .send(Intent::Duplicate, c, 0, 4)  // after the deletion
        .send(Intent::Correct, a_corrected, 0, 5)
        .send(Intent::Correct, c.revised(2), 0, 6)  // a correction never resurrects
        .record(Intent::Malformed, event_id(9), "{\"event_id\": \"" + event_id(8) + "\"", 0, 8)
        .send(Intent::Create, b, 1, 0)
        .send(Intent::Invalidate, b_invalid, 1, 1)
        .send(Intent::Create, late, 1, 2)
        .record(Intent::Malformed, "not-a-uuid", "not json", 1, 3)
        .refused(Intent::Create, Event{event_id(5)});
    return scenario;
}

TEST(ExpectedState, DerivesTheFinalStateOfEveryIntent) {
    const ExpectedState state = every_intent().expected();
    const EveryIntentRows rows = every_intent_rows();

    // Only a fingerprint of the fields is kept; the fields are read back from the audit log.
    const ExpectedEvent a = find(state, event_id(1));
    EXPECT_FALSE(a.deleted);
    EXPECT_EQ(a.revision, 1);
    EXPECT_EQ(a.fields_fingerprint, testing::fingerprint_of(rows.a_corrected));
    EXPECT_EQ(testing::expected_fields(state, event_id(1)).event_type, "purchase");
    EXPECT_EQ(a.partition, 0);
    EXPECT_EQ(a.offset, 5);

    const ExpectedEvent b = find(state, event_id(2));
    EXPECT_FALSE(b.deleted);
    EXPECT_FALSE(b.is_valid);
    EXPECT_EQ(b.fields_fingerprint, testing::fingerprint_of(rows.b_invalid));
    EXPECT_EQ(testing::expected_fields(state, event_id(2)).user_id, "user-2");
    EXPECT_EQ(b.offset, 1);

    const ExpectedEvent c = find(state, event_id(3));
    EXPECT_TRUE(c.deleted);
    EXPECT_EQ(c.offset, 3);

    const ExpectedEvent late = find(state, event_id(4));
    EXPECT_TRUE(late.late);
    EXPECT_EQ(late.fields_fingerprint, testing::fingerprint_of(rows.late));
    EXPECT_EQ(testing::expected_fields(state, event_id(4)).event_time_us,
              parse_rfc3339_micros("2026-11-25T08:00:00Z").micros);

    EXPECT_FALSE(state.find(*parse_uuid(event_id(5)))) << "a refused record is expected nowhere";

    const ExpectedCounts& counts = state.counts;
    EXPECT_EQ(counts.records, 13);
    EXPECT_EQ(counts.failed, 1);
    EXPECT_EQ(counts.events, 4);
    EXPECT_EQ(counts.expected_rows, 3);
    EXPECT_EQ(counts.invalidated, 1);
    EXPECT_EQ(counts.deleted, 1);
    EXPECT_EQ(counts.late, 1);
    EXPECT_EQ(counts.late_rows, 1);
    EXPECT_EQ(counts.duplicates, 4);  // a twice, c after deletion twice
    EXPECT_EQ(counts.malformed, 2);
    ASSERT_EQ(state.malformed.size(), 2u);
    EXPECT_EQ(state.malformed[0].key, event_id(9));
    EXPECT_EQ(state.malformed[0].problem.rfind("not_json: value is not valid JSON", 0), 0u);
    EXPECT_EQ(state.malformed[1].key, "not-a-uuid");
    EXPECT_TRUE(state.intent_disagreements.empty());
    EXPECT_TRUE(state.audit_inconsistencies.empty());

    ASSERT_EQ(state.positions().size(), 13u);
    std::vector<Position> carried;
    state.positions().for_each([&](const AuditPosition& record) {
        carried.emplace_back(record.partition, record.offset);
    });
    ASSERT_EQ(carried.size(), 13u);
    for (size_t i = 1; i < carried.size(); ++i) EXPECT_LT(carried[i - 1], carried[i]);
}

TEST(ExpectedState, LatenessIsStrictlyOverTheThreshold) {
    Event exactly{event_id(1)};
    exactly.event_time = "2026-11-25T08:00:00Z";
    exactly.received_time = "2026-11-25T08:00:30Z";
    Scenario scenario;
    scenario.send(Intent::Create, exactly, 0, 0);
    EXPECT_EQ(scenario.expected(30'000'000).counts.late, 0);
    EXPECT_EQ(scenario.expected(29'999'999).counts.late, 1);
}

TEST(ExpectedState, ADeletionBeforeAnyEventIsRememberedForever) {
    const Event event{event_id(1)};
    Scenario scenario;
    scenario.tombstone(event.id, 2, 10).send(Intent::Duplicate, event, 2, 11);
    const ExpectedState state = scenario.expected();
    EXPECT_TRUE(find(state, event.id).deleted);
    EXPECT_EQ(state.counts.deleted, 1);
    EXPECT_EQ(state.counts.duplicates, 1);
    EXPECT_EQ(state.counts.expected_rows, 0);
}

TEST(ExpectedState, AnEqualRevisionWithOtherContentChangesNothing) {
    const Event first{event_id(1)};
    Event same_revision = first;
    same_revision.user = "someone-else";
    Scenario scenario;
    scenario.send(Intent::Create, first, 0, 0).send(Intent::Duplicate, same_revision, 0, 1);
    const ExpectedState state = scenario.expected();
    EXPECT_EQ(find(state, first.id).fields_fingerprint, testing::fingerprint_of(first));
    EXPECT_EQ(state.counts.duplicates, 1);
}

TEST(ExpectedState, AnOlderRevisionAfterANewerOneIsADuplicate) {
    const Event event{event_id(1)};
    Scenario scenario;
    scenario.send(Intent::Create, event.revised(3), 0, 0).send(Intent::Correct, event.revised(2), 0, 1);
    const ExpectedState state = scenario.expected();
    EXPECT_EQ(find(state, event.id).revision, 3);
    EXPECT_EQ(state.counts.duplicates, 1);
}

TEST(ExpectedState, FlagsIntentsThatDisagreeWithTheRecord) {
    const Event valid{event_id(1)};
    Scenario scenario;
    scenario.record(Intent::Create, event_id(2), "{}", 0, 0)      // meant valid, is malformed
        .send(Intent::Malformed, valid, 0, 1)                     // meant malformed, is valid
        .send(Intent::Delete, Event{event_id(3)}, 0, 2)           // meant deletion, has a value
        .send(Intent::Invalidate, valid.revised(1), 0, 3);        // still is_valid=true
    const ExpectedState state = scenario.expected();
    ASSERT_EQ(state.intent_disagreements.size(), 4u);
    EXPECT_NE(state.intent_disagreements[0].detail.find("intent create but the record is malformed"),
              std::string::npos);
    EXPECT_NE(state.intent_disagreements[1].detail.find("intent malformed but the record is an event"),
              std::string::npos);
    EXPECT_NE(state.intent_disagreements[3].detail.find("is_valid is true"), std::string::npos);
}

TEST(ExpectedState, TwoRecordsAtOneOffsetAreAnAuditInconsistency) {
    Scenario scenario;
    scenario.send(Intent::Create, Event{event_id(1)}, 0, 4).send(Intent::Create, Event{event_id(2)}, 0, 4);
    const ExpectedState state = scenario.expected();
    ASSERT_EQ(state.audit_inconsistencies.size(), 1u);
    EXPECT_EQ(state.audit_inconsistencies[0].subject, "partition 0 offset 4");
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
