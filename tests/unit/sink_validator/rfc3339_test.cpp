#include "core/rfc3339.hpp"

#include <gtest/gtest.h>

namespace ingest::validator {
namespace {

constexpr int64_t kSecond = 1'000'000;
// 2026-11-25T08:00:00Z, computed independently: 20782 days after 1970-01-01, plus 8 hours.
constexpr int64_t kReference = (20782LL * 86400 + 8 * 3600) * kSecond;

TEST(Rfc3339, ParsesUtcWithMicroseconds) {
    EXPECT_EQ(parse_rfc3339_micros("2026-11-25T08:00:00Z"), kReference);
    EXPECT_EQ(parse_rfc3339_micros("2026-11-25T08:00:00.123456Z"), kReference + 123456);
    EXPECT_EQ(parse_rfc3339_micros("2026-11-25T08:00:01.5Z"), kReference + 1'500'000);
    EXPECT_EQ(parse_rfc3339_micros("2026-11-25t08:00:00.000001z"), kReference + 1);
}

TEST(Rfc3339, AppliesZoneOffsets) {
    EXPECT_EQ(parse_rfc3339_micros("2026-11-25T10:30:00+02:30"), kReference);
    EXPECT_EQ(parse_rfc3339_micros("2026-11-25T03:00:00-05:00"), kReference);
    EXPECT_EQ(parse_rfc3339_micros("2026-11-25T08:00:00+00:00"), kReference);
}

TEST(Rfc3339, HandlesLeapYearsAndTheEpoch) {
    EXPECT_EQ(parse_rfc3339_micros("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_rfc3339_micros("1969-12-31T23:59:59.5Z"), -500'000);
    EXPECT_TRUE(parse_rfc3339_micros("2024-02-29T00:00:00Z"));
    EXPECT_TRUE(parse_rfc3339_micros("2000-02-29T00:00:00Z"));
    EXPECT_FALSE(parse_rfc3339_micros("2026-02-29T00:00:00Z"));
    EXPECT_FALSE(parse_rfc3339_micros("1900-02-29T00:00:00Z"));
}

TEST(Rfc3339, RejectsWhatIsNotATimestamp) {
    for (const char* text : {"", "2026-11-25", "2026-11-25T08:00:00", "2026-11-25 08:00:00Z",
                             "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-25T24:00:00Z",
                             "2026-11-25T08:60:00Z", "2026-11-25T08:00:60Z", "2026-11-25T08:00:00.Z",
                             "2026-11-25T08:00:00.1234567Z", "2026-11-25T08:00:00+0200",
                             "2026-11-25T08:00:00+24:00", "2026-11-25T08:00:00Zjunk",
                             "2026-1a-25T08:00:00Z", "yesterday"})
        EXPECT_FALSE(parse_rfc3339_micros(text)) << text;
}

TEST(Rfc3339, FormatsUtcWithSixDigits) {
    EXPECT_EQ(format_rfc3339_micros(kReference + 42), "2026-11-25T08:00:00.000042Z");
    EXPECT_EQ(format_rfc3339_micros(-1), "1969-12-31T23:59:59.999999Z");
    EXPECT_EQ(parse_rfc3339_micros(format_rfc3339_micros(kReference + 987654)), kReference + 987654);
}

}  // namespace
}  // namespace ingest::validator
