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

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
