// The sink's reading of a record on top of the shared decoder (tests/unit/user_events): text into
// the batch arena, lateness, the dead-letter reason.
#include "event.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace ingest::plugins::sink_postgres {
namespace {

using shared::user_events::EventDecoder;
using shared::user_events::RecordKind;

constexpr const char* kId = "0f8fad5b-d9cb-469f-a165-70867728950e";
constexpr int64_t kThresholdUs = 30'000'000;

std::string event_json(const std::string& event_time = "2026-11-25T08:00:00.123456Z",
                       const std::string& received_time = "2026-11-25T08:00:01.5Z") {
    return std::string(R"({"event_id":")") + kId +
           R"(","user_id":"user-123","event_type":"page_view","event_time":")" + event_time +
           R"(","received_time":")" + received_time + R"(","is_valid":true,"revision":0})";
}

class SinkEventTest : public ::testing::Test {
   protected:
    RecordKind decode(std::optional<std::string_view> key, std::optional<std::string_view> value) {
        event = Event{};
        reason.clear();
        return decode_record(decoder, key, value, kThresholdUs, event, arena, reason);
    }

    EventDecoder decoder;
    StringArena arena;
    Event event;
    std::string reason;
};

TEST_F(SinkEventTest, KeepsAWellFormedEventWithItsTextInTheArena) {
    ASSERT_EQ(decode(kId, event_json()), RecordKind::Event) << reason;
    EXPECT_EQ(format_uuid(event.event_id), kId);
    EXPECT_FALSE(event.tombstone);
    EXPECT_EQ(arena.view(event.user_id), "user-123");
    EXPECT_EQ(arena.view(event.event_type), "page_view");
    EXPECT_EQ(event.event_time_us, 1795593600LL * 1'000'000 + 123456);
    EXPECT_EQ(event.received_time_us, 1795593601LL * 1'000'000 + 500000);
    EXPECT_TRUE(event.is_valid);
    EXPECT_EQ(event.revision, 0);
    EXPECT_FALSE(event.late);
}

TEST_F(SinkEventTest, LateArrivalIsFlaggedNotRejected) {
    ASSERT_EQ(decode(kId, event_json("2026-11-25T08:00:00Z", "2026-11-25T08:00:30Z")), RecordKind::Event);
    EXPECT_FALSE(event.late) << "exactly the threshold is not late";
    ASSERT_EQ(decode(kId, event_json("2026-11-25T08:00:00Z", "2026-11-25T08:00:30.000001Z")),
              RecordKind::Event);
    EXPECT_TRUE(event.late);
    ASSERT_EQ(decode(kId, event_json("2026-11-25T08:00:00Z", "2026-11-25T10:00:00+01:00")),
              RecordKind::Event);
    EXPECT_TRUE(event.late) << "one hour late once zones are applied";
}

TEST_F(SinkEventTest, TombstoneAndDeadLetterReason) {
    ASSERT_EQ(decode(kId, std::nullopt), RecordKind::Tombstone);
    EXPECT_TRUE(event.tombstone);
    EXPECT_EQ(format_uuid(event.event_id), kId);
    ASSERT_EQ(decode("not-a-uuid", std::nullopt), RecordKind::Malformed);
    EXPECT_EQ(reason, "key_not_uuid: key is not a UUID: 'not-a-uuid'");
}

TEST_F(SinkEventTest, ArenaKeepsEarlierEventsValid) {
    ASSERT_EQ(decode(kId, event_json()), RecordKind::Event);
    const Event first = event;
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(decode(kId, event_json()), RecordKind::Event);
    EXPECT_EQ(arena.view(first.user_id), "user-123");
}

}  // namespace
}  // namespace ingest::plugins::sink_postgres
