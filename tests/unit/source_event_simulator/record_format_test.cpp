#include "record_format.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <regex>

namespace ingest::simulator {
namespace {

TEST(RecordFormat, UuidsAreCanonicalVersion4) {
    Rng rng(7);
    const std::regex canonical("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    for (int i = 0; i < 1000; ++i) {
        const std::string text = uuid_text(random_uuid(rng));
        ASSERT_EQ(text.size(), kUuidTextSize);
        ASSERT_TRUE(std::regex_match(text, canonical)) << text;
    }
    EXPECT_EQ(uuid_text({0x0123456789abcdefULL, 0xfedcba9876543210ULL}),
              "01234567-89ab-cdef-fedc-ba9876543210");
}

TEST(RecordFormat, TimestampsAreRfc3339UtcWithMicroseconds) {
    EXPECT_EQ(timestamp_text(0), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(timestamp_text(1'767'225'600'123'456LL),
              "2026-01-01T00:00:00.123456Z");
    // 2028-02-29T23:59:59.999999Z: a leap day, the last microsecond of it.
    EXPECT_EQ(timestamp_text(1'835'481'599'999'999LL), "2028-02-29T23:59:59.999999Z");
    EXPECT_EQ(timestamp_text(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(RecordFormat, ValueMatchesTheContractExample) {
    EventVersion version;
    version.event_id = {0x0123456789ab4def, 0x8edcba9876543210};
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
}  // namespace ingest::simulator
