#include "core/rfc3339.hpp"

#include <cstdio>
#include <ctime>

namespace ingest::validator {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

// Reads exactly `count` decimal digits at `pos`; -1 when any of them is not a digit.
int digits_at(std::string_view text, size_t pos, size_t count) {
    if (pos + count > text.size()) return -1;
    int value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<int64_t> parse_rfc3339_micros(std::string_view text) {
    // Fixed-width prefix: YYYY-MM-DDTHH:MM:SS
    if (text.size() < 20) return std::nullopt;
    const int year = digits_at(text, 0, 4);
    const int month = digits_at(text, 5, 2);
    const int day = digits_at(text, 8, 2);
    const int hour = digits_at(text, 11, 2);
    const int minute = digits_at(text, 14, 2);
    const int second = digits_at(text, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
    if (text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':') return std::nullopt;
    if (text[10] != 'T' && text[10] != 't') return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;

    size_t pos = 19;
    int64_t fraction = 0;
    if (text[pos] == '.') {
        ++pos;
        size_t first = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        size_t count = pos - first;
        if (count == 0 || count > 6) return std::nullopt;
        fraction = digits_at(text, first, count);
        for (size_t i = count; i < 6; ++i) fraction *= 10;
    }

    if (pos >= text.size()) return std::nullopt;  // the zone is mandatory
    int64_t zone_seconds = 0;
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        const int zone_hour = digits_at(text, pos + 1, 2);
        const int zone_minute = digits_at(text, pos + 4, 2);
        if (zone_hour < 0 || zone_minute < 0 || text[pos + 3] != ':') return std::nullopt;
        if (zone_hour > 23 || zone_minute > 59) return std::nullopt;
        zone_seconds = (zone_hour * 3600 + zone_minute * 60) * (text[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    std::tm fields{};
    fields.tm_year = year - 1900;
    fields.tm_mon = month - 1;
    fields.tm_mday = day;
    fields.tm_hour = hour;
    fields.tm_min = minute;
    fields.tm_sec = second;
    const int64_t local_seconds = static_cast<int64_t>(timegm(&fields));
    return (local_seconds - zone_seconds) * kMicrosPerSecond + fraction;
}

std::string format_rfc3339_micros(int64_t micros) {
    const int64_t seconds = floor_div(micros, kMicrosPerSecond);
    const int64_t fraction = micros - seconds * kMicrosPerSecond;
    const std::time_t as_time = static_cast<std::time_t>(seconds);
    std::tm fields{};
    if (!gmtime_r(&as_time, &fields)) return std::to_string(micros) + "us";
    char buffer[48];
    std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                  fields.tm_year + 1900, fields.tm_mon + 1, fields.tm_mday, fields.tm_hour,
                  fields.tm_min, fields.tm_sec, static_cast<long long>(fraction));
    return buffer;
}

}  // namespace ingest::validator
