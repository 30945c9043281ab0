#include "record_format.hpp"

#include <chrono>
#include <cstring>

namespace ingest::simulator {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Two hex digits per byte from one table lookup: UUIDs are written twice per record (key and
// value), and a digit-at-a-time loop showed up in profiles.
struct HexPairs {
    char digits[256][2];
    constexpr HexPairs() : digits() {
        for (int i = 0; i < 256; ++i) {
            digits[i][0] = kHex[i >> 4];
            digits[i][1] = kHex[i & 0xf];
        }
    }
};
constexpr HexPairs kHexPairs;

// `bytes` bytes of `value` (big-endian order), as 2 * bytes hex digits.
char* write_hex_bytes(char* out, uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) {
        std::memcpy(out + 2 * i, kHexPairs.digits[value & 0xff], 2);
        value >>= 8;
    }
    return out + 2 * bytes;
}

char* write_digits(char* out, uint64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return out + digits;
}

char* write_unsigned(char* out, uint64_t value) {
    char reversed[20];
    int size = 0;
    do {
        reversed[size++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (size > 0) *out++ = reversed[--size];
    return out;
}

char* write_text(char* out, std::string_view text) {
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
}

// Floor division: timestamps before 1970 (a very late event near the epoch) still format right.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Uuid random_uuid(Rng& rng) {
    Uuid uuid{rng.next(), rng.next()};
    uuid.high = (uuid.high & ~uint64_t{0xf000}) | uint64_t{0x4000};               // version 4
    uuid.low = (uuid.low & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);       // variant 10xx
    return uuid;
}

char* write_uuid(char* out, const Uuid& uuid) {
    out = write_hex_bytes(out, uuid.high >> 32, 4);
    *out++ = '-';
    out = write_hex_bytes(out, (uuid.high >> 16) & 0xffff, 2);
    *out++ = '-';
    out = write_hex_bytes(out, uuid.high & 0xffff, 2);
    *out++ = '-';
    out = write_hex_bytes(out, uuid.low >> 48, 2);
    *out++ = '-';
    return write_hex_bytes(out, uuid.low & 0xffff'ffff'ffffULL, 6);
}

char* write_timestamp(char* out, int64_t micros) {
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

std::string uuid_text(const Uuid& uuid) {
    std::string text(kUuidTextSize, '\0');
    write_uuid(text.data(), uuid);
    return text;
}

std::string timestamp_text(int64_t micros) {
    std::string text(kTimestampTextSize, '\0');
    write_timestamp(text.data(), micros);
    return text;
}

size_t write_value(char* out, const EventVersion& version, std::string_view type_name) {
    char* p = out;
    p = write_text(p, R"({"event_id":")");
    p = write_uuid(p, version.event_id);
    p = write_text(p, R"(","user_id":"user-)");
    p = write_unsigned(p, version.user);
    p = write_text(p, R"(","event_type":")");
    p = write_text(p, type_name);
    p = write_text(p, R"(","event_time":")");
    p = write_timestamp(p, version.event_time_us);
    p = write_text(p, R"(","received_time":")");
    p = write_timestamp(p, version.received_time_us);
    p = write_text(p, version.is_valid ? R"(","is_valid":true,"revision":)"
                                       : R"(","is_valid":false,"revision":)");
    p = write_unsigned(p, version.revision);
    *p++ = '}';
    return static_cast<size_t>(p - out);
}

JsonFields value_fields(const EventVersion& version, std::string_view type_name) {
    auto quoted = [](std::string text) { return "\"" + text + "\""; };
    return {
        {"event_id", quoted(uuid_text(version.event_id))},
        {"user_id", quoted("user-" + std::to_string(version.user))},
        {"event_type", quoted(std::string(type_name))},
        {"event_time", quoted(timestamp_text(version.event_time_us))},
        {"received_time", quoted(timestamp_text(version.received_time_us))},
        {"is_valid", version.is_valid ? "true" : "false"},
        {"revision", std::to_string(version.revision)},
    };
}

std::string join_fields(const JsonFields& fields) {
    std::string text = "{";
    for (const auto& [name, raw] : fields) {
        if (text.size() > 1) text += ',';
        text += '"';
        text += name;
        text += "\":";
        text += raw;
    }
    text += '}';
    return text;
}

}  // namespace ingest::simulator
