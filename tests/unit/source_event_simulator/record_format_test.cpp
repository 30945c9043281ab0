#include "record_format.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <regex>

namespace ingest::plugins::source_event_simulator {
namespace {

TEST(RecordFormat, UuidsAreCanonicalVersion4) {
    Rng rng(7);
    const std::regex canonical("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    for (int i = 0; i < 1000; ++i) {
        const std::string text = format_uuid(random_uuid(rng));
        ASSERT_EQ(text.size(), kUuidTextSize);
        ASSERT_TRUE(std::regex_match(text, canonical)) << text;
    }
}

TEST(RecordFormat, ValueMatchesTheContractExample) {
    EventVersion version;
    version.event_id = shared::user_events::uuid_from_halves(0x0123456789ab4def, 0x8edcba9876543210);
    version.user = 123;
    version.event_time_us = 1'795'593'600'123'456LL;    // 2026-11-25T08:00:00.123456Z
    version.received_time_us = 1'795'593'601'500'000LL;  // 2026-11-25T08:00:01.5Z
    version.revision = 2;
    version.is_valid = false;
    char buffer[kValueCapacity];
    const std::string value(buffer, write_value(buffer, version, "page_view"));
    EXPECT_EQ(value,
              R"({"event_id":"01234567-89ab-4def-8edc-ba9876543210","user_id":"user-123",)"
              R"("event_type":"page_view","event_time":"2026-11-25T08:00:00.123456Z",)"
              R"("received_time":"2026-11-25T08:00:01.500000Z","is_valid":false,"revision":2})");
    EXPECT_EQ(join_fields(value_fields(version, "page_view")), value);
    EXPECT_NO_THROW(boost::json::parse(value));
}

TEST(RecordFormat, LongestValueFitsTheBuffer) {
    EventVersion version;
    version.user = UINT32_MAX;
    version.revision = UINT32_MAX;
    version.event_time_us = version.received_time_us = 253'402'300'799'999'999LL;  // 9999-12-31
    char buffer[kValueCapacity];
    const std::string type_name(64, 'x');
    EXPECT_LT(write_value(buffer, version, type_name), kValueCapacity);
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
