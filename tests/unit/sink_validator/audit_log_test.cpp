#include "audit_log.hpp"
#include "fingerprint.hpp"
#include "scenario.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::sink_validator {
namespace {

using testing::Event;
using testing::Scenario;
using testing::event_id;

std::string error_of(const std::vector<std::string>& lines) {
    AuditLog log;
    try {
        for (size_t i = 0; i < lines.size(); ++i) log.add_line(lines[i], i + 1);
    } catch (const AuditLogError& error) {
        return error.what();
    }
    return "";
}

TEST(AuditLog, ReadsConfirmedRefusedAndCompletionLines) {
    const Event event{event_id(1)};
    Scenario scenario;
    scenario.send(Intent::Create, event, 3, 1234)
        .tombstone(event.id, 3, 1240)
        .record(Intent::Malformed, "k", "garbage", 1, 7)
        .refused(Intent::Create, Event{event_id(2)});

    // The confirmed records go to the truth as they are read; the log keeps only its own facts.
    ExpectedState truth;
    AuditLog log(&truth);
    const std::vector<std::string> lines = scenario.audit_lines();
    for (size_t i = 0; i < lines.size(); ++i) {
        EXPECT_FALSE(log.complete());
        log.add_line(lines[i], i + 1);
    }
    EXPECT_TRUE(log.complete());
    ASSERT_EQ(truth.positions().size(), 3u);
    const auto first = truth.positions().at(3, 1234);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->seq, 0u);
    EXPECT_EQ(log.observed().by_intent[static_cast<size_t>(Intent::Create)], 2u);
    EXPECT_EQ(first->fingerprint, record_fingerprint(event.id, event.value()));
    EXPECT_FALSE(first->tombstone);
    const auto second = truth.positions().at(3, 1240);
    ASSERT_TRUE(second);
    EXPECT_TRUE(second->tombstone);
    EXPECT_EQ(second->fingerprint, record_fingerprint(event.id, std::nullopt));
    ASSERT_EQ(truth.malformed.size(), 1u);
    EXPECT_EQ(truth.malformed[0].key, "k");
    EXPECT_EQ(truth.malformed_records(), 1);
    EXPECT_EQ(log.observed().records, 4);
    EXPECT_EQ(log.observed().failed, 1);
    EXPECT_EQ(log.highest_offsets().at(3), 1240);
    EXPECT_EQ(log.highest_offsets().at(1), 7);
    EXPECT_TRUE(log.inconsistencies().empty());
}

TEST(AuditLog, SkipsBlankLines) {
    AuditLog log;
    log.add_line("", 1);
    log.add_line("  \r", 2);
    EXPECT_EQ(log.observed().records, 0);
}

TEST(AuditLog, NamesTheLineOfBadInput) {
    EXPECT_EQ(error_of({"", "{oops"}).rfind("line 2: not JSON", 0), 0u);
    EXPECT_EQ(error_of({"[]"}), "line 1: not a JSON object");
    EXPECT_EQ(error_of({R"({"intent":"teleport","status":"confirmed"})"}),
              "line 1: unknown intent \"teleport\"");
    EXPECT_EQ(error_of({R"({"intent":"create","status":"maybe"})"}), "line 1: unknown status \"maybe\"");
    EXPECT_EQ(error_of({R"({"seq":1,"intent":"create","key":"k","value":"v","partition":-1,"offset":-1,"status":"confirmed"})"}),
              "line 1: confirmed record without a valid partition and offset");
    EXPECT_EQ(error_of({R"({"seq":1,"intent":"create","key":"k","value":5,"partition":0,"offset":0,"status":"confirmed"})"}),
              "line 1: \"value\" is not a string or null");
    EXPECT_EQ(error_of({R"({"complete":true})"}), "line 1: completion line has no \"totals\" object");

    Scenario scenario;
    scenario.send(Intent::Create, Event{event_id(1)}, 0, 0);
    std::vector<std::string> lines = scenario.audit_lines();
    lines.push_back(lines.front());
    EXPECT_EQ(error_of(lines), "line 3: a record after the completion line");
}

TEST(AuditLog, ComparesTheDeclaredTotalsWithTheLines) {
    AuditLog log;
    log.add_line(R"({"seq":0,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})", 1);
    log.add_line(R"({"complete":true,"totals":{"records":1,"confirmed":1,"failed":0,"create":1,"duplicate":1,"correct":0,"invalidate":0,"delete":0,"malformed":0}})", 2);
    const std::vector<std::string> problems = log.inconsistencies();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "completion line declares 1 duplicate but the log holds 0");
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
