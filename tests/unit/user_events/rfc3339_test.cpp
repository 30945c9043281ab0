#include "shared/user_events/rfc3339.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::shared::user_events {
namespace {

int64_t micros(std::string_view text) {
    const ParsedTimestamp parsed = parse_rfc3339_micros(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.error ? parsed.error : "");
    return parsed.micros;
}

std::string error_of(std::string_view text) {
    const ParsedTimestamp parsed = parse_rfc3339_micros(text);
    return parsed.ok() ? "" : parsed.error;
}

// Reference values computed with `date -u -d ... +%s`.
TEST(Rfc3339, UtcWithAndWithoutFraction) {
    EXPECT_EQ(micros("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(micros("2026-11-25T08:00:00Z"), 1795593600LL * 1'000'000);
    EXPECT_EQ(micros("2026-11-25T08:00:00.123456Z"), 1795593600LL * 1'000'000 + 123456);
    EXPECT_EQ(micros("2026-11-25T08:00:01.5Z"), 1795593601LL * 1'000'000 + 500000);
    EXPECT_EQ(micros("2026-11-25t08:00:00z"), 1795593600LL * 1'000'000);
}

TEST(Rfc3339, ZoneOffsetsShiftToUtc) {
    const int64_t utc = micros("2026-11-25T08:00:00Z");
    EXPECT_EQ(micros("2026-11-25T09:00:00+01:00"), utc);
    EXPECT_EQ(micros("2026-11-25T02:30:00-05:30"), utc);
    EXPECT_EQ(micros("2026-11-25T08:00:00+00:00"), utc);
    EXPECT_EQ(micros("2026-11-25T08:00:00-00:00"), utc);
    EXPECT_EQ(micros("2026-11-26T07:59:00+23:59"), utc);
}

TEST(Rfc3339, FractionsUpToTheMicrosecondAndNoFurther) {
    const int64_t base = micros("2026-11-25T08:00:00Z");
    EXPECT_EQ(micros("2026-11-25T08:00:00.1Z"), base + 100000);
    EXPECT_EQ(micros("2026-11-25T08:00:00.000001Z"), base + 1);
    EXPECT_EQ(micros("2026-11-25T08:00:00.999999Z"), base + 999999);
    // More digits cannot be stored exactly: refused rather than rounded.
    EXPECT_EQ(error_of("2026-11-25T08:00:00.1234567Z"), "fractional seconds have more than 6 digits (microseconds)");
    EXPECT_EQ(error_of("2026-11-25T08:00:00.1234560Z"), "fractional seconds have more than 6 digits (microseconds)");
}

TEST(Rfc3339, LeapYearsAndLeapSeconds) {
    EXPECT_EQ(micros("2024-02-29T00:00:00Z"), 1709164800LL * 1'000'000);
    EXPECT_EQ(micros("2000-02-29T00:00:00Z"), 951782400LL * 1'000'000);
    EXPECT_EQ(error_of("2023-02-29T00:00:00Z"), "day does not exist in that month");
    EXPECT_EQ(error_of("1900-02-29T00:00:00Z"), "day does not exist in that month");
    EXPECT_EQ(error_of("2026-04-31T00:00:00Z"), "day does not exist in that month");
    // A leap second cannot be stored exactly (PostgreSQL rolls it into the next minute).
    EXPECT_EQ(error_of("2016-12-31T23:59:60Z"), "second is out of range 00-59");
}

TEST(Rfc3339, ExtremesAndPreEpoch) {
    EXPECT_EQ(micros("1969-12-31T23:59:59.999999Z"), -1);
    EXPECT_EQ(micros("0001-01-01T00:00:00Z"), -62135596800LL * 1'000'000);
    EXPECT_EQ(micros("9999-12-31T23:59:59Z"), 253402300799LL * 1'000'000);
}

TEST(Rfc3339, RejectsWhatRfc3339DoesNotAllow) {
    EXPECT_EQ(error_of("2026-11-25T08:00:00"), "zone is missing (expected Z or +HH:MM)");
    EXPECT_EQ(error_of("2026-11-25 08:00:00Z"), "date and time are not separated by 'T'");
    EXPECT_EQ(error_of("2026-11-25"), "date and time are not separated by 'T'");
    EXPECT_EQ(error_of("26-11-25T08:00:00Z"), "date is not YYYY-MM-DD");
    EXPECT_EQ(error_of("2026/11/25T08:00:00Z"), "date is not YYYY-MM-DD");
    EXPECT_EQ(error_of("2026-11-25T8:00:00Z"), "time is not HH:MM:SS");
    EXPECT_EQ(error_of("2026-11-25T08:00Z"), "time is not HH:MM:SS");
    EXPECT_EQ(error_of("0000-01-01T00:00:00Z"), "year is out of range 0001-9999");
    EXPECT_EQ(error_of("2026-13-01T00:00:00Z"), "month is out of range 01-12");
    EXPECT_EQ(error_of("2026-00-01T00:00:00Z"), "month is out of range 01-12");
    EXPECT_EQ(error_of("2026-11-00T00:00:00Z"), "day does not exist in that month");
    EXPECT_EQ(error_of("2026-11-25T24:00:00Z"), "hour is out of range 00-23");
    EXPECT_EQ(error_of("2026-11-25T08:60:00Z"), "minute is out of range 00-59");
    EXPECT_EQ(error_of("2026-11-25T08:00:61Z"), "second is out of range 00-59");
    EXPECT_EQ(error_of("2026-11-25T08:00:00.Z"), "fractional seconds have no digits");
    EXPECT_EQ(error_of("2026-11-25T08:00:00+0100"), "zone offset is not +HH:MM or -HH:MM");
    EXPECT_EQ(error_of("2026-11-25T08:00:00+01"), "zone offset is not +HH:MM or -HH:MM");
    EXPECT_EQ(error_of("2026-11-25T08:00:00+24:00"), "zone offset is out of range");
    EXPECT_EQ(error_of("2026-11-25T08:00:00+01:60"), "zone offset is out of range");
    EXPECT_EQ(error_of("2026-11-25T08:00:00ZZ"), "unexpected characters after the zone");
    EXPECT_EQ(error_of("2026-11-25T08:00:00 Z"), "unexpected character where the zone should be");
    EXPECT_EQ(error_of("2026-11-25T08:00:00,5Z"), "unexpected character where the zone should be");
    EXPECT_EQ(error_of(""), "date is not YYYY-MM-DD");
}

// Found by fuzzing (tests/fuzz, event_decoder): local times in the years 0001-9999 whose zone offset
// puts them in year 0000 or 10000 in UTC were accepted, and then formatted as another time.
TEST(Rfc3339, RejectsAZoneOffsetThatLeavesTheYearsInUtc) {
    EXPECT_EQ(error_of("9999-12-31T23:59:59.999999-00:01"), "time in UTC is out of range 0001-9999");
    EXPECT_EQ(error_of("9999-12-31T23:00:00-23:59"), "time in UTC is out of range 0001-9999");
    EXPECT_EQ(error_of("0001-01-01T00:00:00+00:01"), "time in UTC is out of range 0001-9999");
    EXPECT_EQ(error_of("0001-01-01T23:58:59.999999+23:59"), "time in UTC is out of range 0001-9999");
    // The same ends, with offsets that keep them inside, are fine and format back to themselves.
    EXPECT_EQ(format_rfc3339_micros(micros("9999-12-31T23:59:59.999999+00:01")), "9999-12-31T23:58:59.999999Z");
    EXPECT_EQ(format_rfc3339_micros(micros("0001-01-01T00:00:00-00:01")), "0001-01-01T00:01:00.000000Z");
    EXPECT_EQ(format_rfc3339_micros(micros("0001-01-01T23:59:00+23:59")), "0001-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_rfc3339_micros(micros("9999-12-31T00:00:00.999999-23:59")), "9999-12-31T23:59:00.999999Z");
}

// 2026-11-25T08:00:00Z, computed independently: 20782 days after 1970-01-01, plus 8 hours.
constexpr int64_t kReference = (20782LL * 86400 + 8 * 3600) * 1'000'000;

TEST(Rfc3339, AgreesWithAnIndependentDayCount) {
    EXPECT_EQ(micros("2026-11-25T08:00:00Z"), kReference);
    EXPECT_EQ(micros("2026-11-25T10:30:00+02:30"), kReference);
    EXPECT_EQ(micros("2026-11-25T03:00:00-05:00"), kReference);
    EXPECT_EQ(micros("2026-11-25t08:00:00.000001z"), kReference + 1);
    EXPECT_EQ(micros("1969-12-31T23:59:59.5Z"), -500'000);
}

TEST(Rfc3339, RejectsWhatIsNotATimestamp) {
    for (const char* text : {"", "2026-11-25", "2026-11-25T08:00:00", "2026-11-25 08:00:00Z",
                             "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-25T24:00:00Z",
                             "2026-11-25T08:60:00Z", "2026-11-25T08:00:60Z", "2026-11-25T08:00:00.Z",
                             "2026-11-25T08:00:00.1234567Z", "2026-11-25T08:00:00+0200",
                             "2026-11-25T08:00:00+24:00", "2026-11-25T08:00:00Zjunk",
                             "2026-1a-25T08:00:00Z", "yesterday", "0000-12-31T23:59:59Z",
                             "10000-01-01T00:00:00Z", "-001-01-01T00:00:00Z"})
        EXPECT_FALSE(parse_rfc3339_micros(text).ok()) << text;
}

TEST(Rfc3339, FormatsUtcWithSixDigits) {
    EXPECT_EQ(format_rfc3339_micros(kReference + 42), "2026-11-25T08:00:00.000042Z");
    EXPECT_EQ(format_rfc3339_micros(-1), "1969-12-31T23:59:59.999999Z");
    EXPECT_EQ(format_rfc3339_micros(0), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_rfc3339_micros(1'767'225'600'123'456LL), "2026-01-01T00:00:00.123456Z");
    // 2028-02-29T23:59:59.999999Z: a leap day, the last microsecond of it.
    EXPECT_EQ(format_rfc3339_micros(1'835'481'599'999'999LL), "2028-02-29T23:59:59.999999Z");
    EXPECT_EQ(format_rfc3339_micros(-62135596800LL * 1'000'000), "0001-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_rfc3339_micros(253402300799LL * 1'000'000 + 999999), "9999-12-31T23:59:59.999999Z");
    EXPECT_EQ(micros(format_rfc3339_micros(kReference + 987654)), kReference + 987654);
    char buffer[kTimestampTextSize + 1] = {};
    EXPECT_EQ(write_rfc3339_micros(buffer, kReference), buffer + kTimestampTextSize);
    EXPECT_STREQ(buffer, "2026-11-25T08:00:00.000000Z");
}

}  // namespace
}  // namespace ingest::plugins::shared::user_events
