#include "audit_recovery.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::source_event_simulator {
namespace {

using shared::user_events::Intent;

std::string confirmed(int seq, int partition, int offset, const char* intent = "create") {
    return R"({"seq":)" + std::to_string(seq) + R"(,"intent":")" + intent +
           R"(","key":"k","value":"v","partition":)" + std::to_string(partition) + R"(,"offset":)" +
           std::to_string(offset) + R"(,"status":"confirmed"})";
}

std::string failed(int seq) {
    return R"({"seq":)" + std::to_string(seq) +
           R"(,"intent":"delete","key":"k","value":null,"partition":-1,"offset":-1,"status":"failed","error":"refused"})";
}

std::string completion(int records, int confirmed_count, int failed_count) {
    return R"({"complete":true,"totals":{"records":)" + std::to_string(records) +
           R"(,"confirmed":)" + std::to_string(confirmed_count) + R"(,"failed":)" +
           std::to_string(failed_count) +
           R"(,"create":0,"duplicate":0,"correct":0,"invalidate":0,"delete":0,"malformed":0}})";
}

AuditRecovery recover(const std::vector<std::string>& lines) {
    AuditRecovery recovery;
    for (size_t i = 0; i < lines.size(); ++i) recovery.add_line(lines[i], i + 1);
    return recovery;
}

std::string error_of(const std::vector<std::string>& lines) {
    try {
        recover(lines);
    } catch (const AuditRecoveryError& error) {
        return error.what();
    }
    return "no error";
}

TEST(AuditRecovery, AnEmptyLogIsANewStream) {
    const AuditRecovery recovery = recover({"", "  "});
    EXPECT_TRUE(recovery.empty());
    EXPECT_EQ(recovery.next_seq(), 0u);
    EXPECT_EQ(recovery.first_unsettled(), 0u);
}

TEST(AuditRecovery, FindsWhereTheStreamStoppedAndWhatHasNoOutcome) {
    // Reports arrive in order per partition, not across them; the last lines were never written.
    const AuditRecovery recovery =
        recover({confirmed(0, 0, 0), confirmed(2, 2, 0), confirmed(1, 1, 0), failed(4),
                 confirmed(5, 2, 1, "duplicate"), confirmed(8, 0, 7)});
    EXPECT_FALSE(recovery.empty());
    EXPECT_FALSE(recovery.complete());
    EXPECT_EQ(recovery.next_seq(), 9u);
    EXPECT_EQ(recovery.unsettled(), 3u);  // 3, 6, 7
    EXPECT_EQ(recovery.first_unsettled(), 3u);
    for (uint64_t seq : {0u, 1u, 2u, 4u, 5u, 8u}) EXPECT_TRUE(recovery.settled(seq)) << seq;
    for (uint64_t seq : {3u, 6u, 7u, 9u, 100u}) EXPECT_FALSE(recovery.settled(seq)) << seq;
    EXPECT_EQ(recovery.totals().records, 6u);
    EXPECT_EQ(recovery.totals().confirmed, 5u);
    EXPECT_EQ(recovery.totals().failed, 1u);
    EXPECT_EQ(recovery.totals().by_intent[static_cast<size_t>(Intent::Create)], 4u);
    EXPECT_EQ(recovery.totals().by_intent[static_cast<size_t>(Intent::Delete)], 1u);
    EXPECT_EQ(recovery.totals().by_intent[static_cast<size_t>(Intent::Duplicate)], 1u);
    EXPECT_EQ(recovery.highest_offsets(), (std::map<int32_t, int64_t>{{0, 7}, {1, 0}, {2, 1}}));
}

TEST(AuditRecovery, ACompleteLogHasNothingLeft) {
    const AuditRecovery recovery = recover({confirmed(1, 0, 1), confirmed(0, 0, 0), completion(2, 2, 0)});
    EXPECT_TRUE(recovery.complete());
    EXPECT_EQ(recovery.unsettled(), 0u);
    EXPECT_EQ(recovery.next_seq(), 2u);
}

TEST(AuditRecovery, RefusesALogItCannotHaveWritten) {
    EXPECT_EQ(error_of({confirmed(0, 0, 0), confirmed(0, 0, 1)}), "line 2: a second line for seq 0");
    EXPECT_EQ(error_of({confirmed(0, 0, 0), "{\"seq\":1,\"int"}),
              "line 2: not JSON (incomplete JSON)");
    EXPECT_EQ(error_of({completion(0, 0, 0), confirmed(0, 0, 0)}),
              "line 2: a line after the completion line");
    EXPECT_EQ(error_of({confirmed(0, 0, 0), completion(2, 2, 0)}),
              "line 2: the completion line declares 2 records, the log holds 1");
    EXPECT_EQ(error_of({confirmed(1, 0, 0), completion(1, 1, 0)}),
              "line 2: the completion line follows a log with 1 records below seq 2 without a line");
    EXPECT_EQ(error_of({confirmed(0, 0, 0), R"({"seq":99999999999,"intent":"create","key":"k","value":"v","partition":0,"offset":1,"status":"confirmed"})"}),
              "line 2: seq 99999999999 is far past the 1 records read so far");
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
