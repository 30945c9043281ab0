#include "json_line.hpp"

#include <cstdint>

namespace sink_jsonl {
namespace {

void append_string(std::string_view text, std::string& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (byte < 0x20) {
                    out += "\\u00";
                    out += kHex[byte >> 4];
                    out += kHex[byte & 0xf];
                } else {
                    out += c;  // UTF-8 passes through as is: checked before anything is appended
                }
        }
    }
    out += '"';
}

void append_bytes(const ingest_bytes& bytes, std::string& out) {
    if (bytes.data == nullptr) {
        out += "null";
        return;
    }
    append_string(ingest::sdk::view(bytes), out);
}

}  // namespace

bool is_utf8(std::string_view bytes) {
    size_t i = 0;
    while (i < bytes.size()) {
        const auto lead = static_cast<unsigned char>(bytes[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        size_t length = 0;
        uint32_t code = 0, minimum = 0;
        if ((lead & 0xe0) == 0xc0) {
            length = 2, code = lead & 0x1f, minimum = 0x80;
        } else if ((lead & 0xf0) == 0xe0) {
            length = 3, code = lead & 0x0f, minimum = 0x800;
        } else if ((lead & 0xf8) == 0xf0) {
            length = 4, code = lead & 0x07, minimum = 0x10000;
        } else {
            return false;  // a continuation byte without a lead, or 0xf8..0xff
        }
        if (bytes.size() - i < length) return false;
        for (size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(bytes[i + k]);
            if ((next & 0xc0) != 0x80) return false;
            code = (code << 6) | (next & 0x3f);
        }
        if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
        i += length;
    }
    return true;
}

std::optional<std::string> append_json_line(const ingest::sdk::Record& record, std::string& line) {
    const ingest_record& raw = record.raw();
    if (!is_utf8(record.key())) return "the key is not UTF-8 (a JSON line holds text only)";
    if (!is_utf8(record.value())) return "the value is not UTF-8 (a JSON line holds text only)";
    for (size_t i = 0; i < raw.header_count; ++i) {
        if (!is_utf8(raw.headers[i].key) || !is_utf8(ingest::sdk::view(raw.headers[i].value)))
            return "header " + std::to_string(i) + " is not UTF-8 (a JSON line holds text only)";
    }
    line += "{\"topic\":";
    append_string(record.topic(), line);
    line += ",\"partition\":" + std::to_string(record.partition());
    line += ",\"offset\":" + std::to_string(record.offset());
    line += ",\"timestamp_ms\":" + std::to_string(record.timestamp_ms());
    line += ",\"key\":";
    append_bytes(raw.key, line);
    line += ",\"value\":";
    append_bytes(raw.value, line);
    line += ",\"headers\":[";
    for (size_t i = 0; i < raw.header_count; ++i) {
        if (i > 0) line += ',';
        line += "{\"key\":";
        append_string(raw.headers[i].key, line);
        line += ",\"value\":";
        append_bytes(raw.headers[i].value, line);
        line += '}';
    }
    line += "]}\n";
    return std::nullopt;
}

}  // namespace sink_jsonl
