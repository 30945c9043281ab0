#include "in_flight.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ingest::plugins::source_event_simulator {
namespace {

TEST(InFlightWindow, KeepsKeyAndValueUntilReleasedInlineOrSpilled) {
    InFlightWindow window(4);
    const std::string large(InFlightWindow::kInlineBytes + 10, 'v');
    const uint64_t small_seq = window.add(Intent::Create, "key-1", std::string_view("{\"a\":1}"));
    const uint64_t large_seq = window.add(Intent::Malformed, "key-2", std::string_view(large));
    const uint64_t tombstone_seq = window.add(Intent::Delete, "key-3", std::nullopt);

    InFlightWindow::Entry* small = window.find(small_seq);
    ASSERT_NE(small, nullptr);
    EXPECT_EQ(small->key(), "key-1");
    EXPECT_EQ(small->value_view(), std::optional<std::string_view>("{\"a\":1}"));
    InFlightWindow::Entry* spilled = window.find(large_seq);
    ASSERT_NE(spilled, nullptr);
    EXPECT_EQ(spilled->key(), "key-2");
    EXPECT_EQ(spilled->value_view(), std::optional<std::string_view>(large));
    EXPECT_EQ(spilled->intent, Intent::Malformed);
    EXPECT_EQ(window.find(tombstone_seq)->value_view(), std::nullopt);
    EXPECT_EQ(window.pending(), 3u);

    window.release(*small);
    window.release(*spilled);
    EXPECT_EQ(window.find(small_seq), nullptr);
    // Slots are seq % 4: seq 4 reuses the small record's slot, seq 5 the spilled one's, which
    // then holds its small record inline again.
    window.add(Intent::Create, "key-3b", std::string_view("w"));
    const uint64_t reused = window.add(Intent::Create, "key-4", std::string_view("x"));
    const uint64_t reused_spilled_slot = window.add(Intent::Create, "key-5", std::string_view("y"));
    EXPECT_EQ(reused_spilled_slot % 4, large_seq % 4);
    EXPECT_EQ(window.find(reused)->value_view(), std::optional<std::string_view>("x"));
    EXPECT_FALSE(window.find(reused_spilled_slot)->spilled);
    EXPECT_EQ(window.find(reused_spilled_slot)->key(), "key-5");
    EXPECT_EQ(window.find(reused_spilled_slot)->value_view(), std::optional<std::string_view>("y"));
    EXPECT_TRUE(window.full());
}

TEST(InFlightWindow, AContinuedStreamStartsAnywhereAndPassesOverSettledRecords) {
    InFlightWindow window(4);
    window.start_at(10);  // slot 10 % 4 = 2: the slots below it are created empty
    EXPECT_EQ(window.next_seq(), 10u);
    window.skip();  // 10 already has its line, nothing pending: the lead stays empty
    EXPECT_EQ(window.pending(), 0u);
    const uint64_t eleven = window.add(Intent::Create, "k11", std::string_view("v"));
    EXPECT_EQ(eleven, 11u);
    window.skip();  // 12, 13, 14: behind 11, they count against the limit
    window.skip();
    window.skip();
    EXPECT_TRUE(window.full()) << "15 would be 4 ahead of the pending 11";
    EXPECT_EQ(window.pending(), 1u);
    EXPECT_EQ(window.find(12), nullptr);

    window.release(*window.find(eleven));  // the lead passes over the skipped 12 to 14
    EXPECT_FALSE(window.full());
    const uint64_t fifteen = window.add(Intent::Create, "k15", std::string_view("w"));
    EXPECT_EQ(fifteen, 15u);
    for (int i = 0; i < 3; ++i) window.add(Intent::Create, "k", std::string_view("x"));
    EXPECT_TRUE(window.full());
    EXPECT_EQ(window.find(fifteen)->key(), "k15") << "no live entry was overwritten";
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
