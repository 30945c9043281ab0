#include "record_format.hpp"

#include <cstring>

namespace ingest::plugins::source_event_simulator {
namespace {

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

}  // namespace

Uuid random_uuid(Rng& rng) {
    uint64_t high = rng.next();
    uint64_t low = rng.next();
    high = (high & ~uint64_t{0xf000}) | uint64_t{0x4000};          // version 4
    low = (low & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);  // variant 10xx
    return shared::user_events::uuid_from_halves(high, low);
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
    p = write_rfc3339_micros(p, version.event_time_us);
    p = write_text(p, R"(","received_time":")");
    p = write_rfc3339_micros(p, version.received_time_us);
    p = write_text(p, version.is_valid ? R"(","is_valid":true,"revision":)"
                                       : R"(","is_valid":false,"revision":)");
    p = write_unsigned(p, version.revision);
    *p++ = '}';
    return static_cast<size_t>(p - out);
}

JsonFields value_fields(const EventVersion& version, std::string_view type_name) {
    auto quoted = [](std::string text) { return "\"" + text + "\""; };
    return {
        {"event_id", quoted(format_uuid(version.event_id))},
        {"user_id", quoted("user-" + std::to_string(version.user))},
        {"event_type", quoted(std::string(type_name))},
        {"event_time", quoted(format_rfc3339_micros(version.event_time_us))},
        {"received_time", quoted(format_rfc3339_micros(version.received_time_us))},
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

}  // namespace ingest::plugins::source_event_simulator
