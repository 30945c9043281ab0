#include "shared/user_events/rfc3339.hpp"

#include <chrono>

namespace ingest::plugins::shared::user_events {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
// Days from 0001-01-01 (proleptic Gregorian) to 1970-01-01, and from 1970-01-01 to 10000-01-01.
constexpr int64_t kDaysFromYearOneToUnixEpoch = 719'162;
constexpr int64_t kDaysFromUnixEpochToYear10000 = 2'932'897;
// The instants the grammar's years 0001-9999 hold in UTC, which is how every reader writes them.
constexpr int64_t kFirstMicros = -kDaysFromYearOneToUnixEpoch * kMicrosPerDay;
constexpr int64_t kLastMicros = kDaysFromUnixEpochToYear10000 * kMicrosPerDay - 1;

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

int64_t days_since_unix_epoch(int year, int month, int day) {
    static constexpr int kDaysBeforeMonth[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    const int64_t full_years = year - 1;
    int64_t days = full_years * 365 + full_years / 4 - full_years / 100 + full_years / 400;
    days += kDaysBeforeMonth[month - 1] + (month > 2 && is_leap_year(year) ? 1 : 0) + (day - 1);
    return days - kDaysFromYearOneToUnixEpoch;
}

// Reads exactly `count` decimal digits at `pos`; -1 when any of them is not a digit.
int read_digits(std::string_view text, size_t pos, size_t count) {
    if (pos + count > text.size()) return -1;
    int value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

bool char_at(std::string_view text, size_t pos, char expected) {
    return pos < text.size() && text[pos] == expected;
}

char* write_digits(char* out, uint64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return out + digits;
}

// Floor division: times before 1970 still format right.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

ParsedTimestamp parse_rfc3339_micros(std::string_view text) {
    // Fixed layout up to the seconds: YYYY-MM-DDTHH:MM:SS
    const int year = read_digits(text, 0, 4);
    const int month = read_digits(text, 5, 2);
    const int day = read_digits(text, 8, 2);
    if (year < 0 || month < 0 || day < 0 || !char_at(text, 4, '-') || !char_at(text, 7, '-'))
        return {0, "date is not YYYY-MM-DD"};
    if (!char_at(text, 10, 'T') && !char_at(text, 10, 't'))
        return {0, "date and time are not separated by 'T'"};
    const int hour = read_digits(text, 11, 2);
    const int minute = read_digits(text, 14, 2);
    const int second = read_digits(text, 17, 2);
    if (hour < 0 || minute < 0 || second < 0 || !char_at(text, 13, ':') || !char_at(text, 16, ':'))
        return {0, "time is not HH:MM:SS"};
    if (year < 1) return {0, "year is out of range 0001-9999"};
    if (month < 1 || month > 12) return {0, "month is out of range 01-12"};
    if (day < 1 || day > days_in_month(year, month)) return {0, "day does not exist in that month"};
    if (hour > 23) return {0, "hour is out of range 00-23"};
    if (minute > 59) return {0, "minute is out of range 00-59"};
    if (second > 59) return {0, "second is out of range 00-59"};

    size_t pos = 19;
    int64_t fraction_micros = 0;
    if (char_at(text, pos, '.')) {
        ++pos;
        const size_t first_digit = pos;
        int64_t scale = kMicrosPerSecond / 10;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (scale == 0) return {0, "fractional seconds have more than 6 digits (microseconds)"};
            fraction_micros += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == first_digit) return {0, "fractional seconds have no digits"};
    }

    int offset_seconds = 0;
    if (char_at(text, pos, 'Z') || char_at(text, pos, 'z')) {
        ++pos;
    } else if (char_at(text, pos, '+') || char_at(text, pos, '-')) {
        const bool negative = text[pos] == '-';
        const int offset_hour = read_digits(text, pos + 1, 2);
        const int offset_minute = read_digits(text, pos + 4, 2);
        if (offset_hour < 0 || offset_minute < 0 || !char_at(text, pos + 3, ':'))
            return {0, "zone offset is not +HH:MM or -HH:MM"};
        if (offset_hour > 23 || offset_minute > 59) return {0, "zone offset is out of range"};
        offset_seconds = (offset_hour * 3600 + offset_minute * 60) * (negative ? -1 : 1);
        pos += 6;
    } else if (pos == text.size()) {
        return {0, "zone is missing (expected Z or +HH:MM)"};
    } else {
        return {0, "unexpected character where the zone should be"};
    }
    if (pos != text.size()) return {0, "unexpected characters after the zone"};

    const int64_t seconds = days_since_unix_epoch(year, month, day) * 86'400 + hour * 3'600 +
                            minute * 60 + second - offset_seconds;
    const int64_t micros = seconds * kMicrosPerSecond + fraction_micros;
    // A zone offset can move a time at either end of the years into year 0000 or 10000 in UTC,
    // which write_rfc3339_micros (and so the validator's reports) cannot write (found by fuzzing).
    if (micros < kFirstMicros || micros > kLastMicros) return {0, "time in UTC is out of range 0001-9999"};
    return {micros, nullptr};
}

char* write_rfc3339_micros(char* out, int64_t micros) {
    const int64_t days = floor_div(micros, kMicrosPerDay);
    const int64_t of_day = micros - days * kMicrosPerDay;
    const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
    out = write_digits(out, static_cast<uint64_t>(static_cast<int>(date.year())), 4);
    *out++ = '-';
    out = write_digits(out, static_cast<unsigned>(date.month()), 2);
    *out++ = '-';
    out = write_digits(out, static_cast<unsigned>(date.day()), 2);
    *out++ = 'T';
    const int64_t seconds = of_day / kMicrosPerSecond;
    out = write_digits(out, static_cast<uint64_t>(seconds / 3600), 2);
    *out++ = ':';
    out = write_digits(out, static_cast<uint64_t>(seconds / 60 % 60), 2);
    *out++ = ':';
    out = write_digits(out, static_cast<uint64_t>(seconds % 60), 2);
    *out++ = '.';
    out = write_digits(out, static_cast<uint64_t>(of_day % kMicrosPerSecond), 6);
    *out++ = 'Z';
    return out;
}

std::string format_rfc3339_micros(int64_t micros) {
    std::string text(kTimestampTextSize, '\0');
    write_rfc3339_micros(text.data(), micros);
    return text;
}

}  // namespace ingest::plugins::shared::user_events
