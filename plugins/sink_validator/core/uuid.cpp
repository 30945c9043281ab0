#include "core/uuid.hpp"

namespace ingest::validator {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_hyphen_position(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::optional<Uuid> parse_uuid(std::string_view text) {
    if (text.size() != 36) return std::nullopt;
    Uuid id;
    int nibbles = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (is_hyphen_position(i)) {
            if (text[i] != '-') return std::nullopt;
            continue;
        }
        int value = hex_value(text[i]);
        if (value < 0) return std::nullopt;
        uint64_t& half = nibbles < 16 ? id.high : id.low;
        half = (half << 4) | static_cast<uint64_t>(value);
        ++nibbles;
    }
    return id;
}

std::string format_uuid(const Uuid& id) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(36);
    for (int nibble = 0; nibble < 32; ++nibble) {
        if (nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20) text.push_back('-');
        uint64_t half = nibble < 16 ? id.high : id.low;
        int shift = (15 - nibble % 16) * 4;
        text.push_back(kDigits[(half >> shift) & 0xF]);
    }
    return text;
}

Uuid uuid_from_bytes(const unsigned char* bytes) {
    Uuid id;
    for (int i = 0; i < 8; ++i) id.high = (id.high << 8) | bytes[i];
    for (int i = 8; i < 16; ++i) id.low = (id.low << 8) | bytes[i];
    return id;
}

}  // namespace ingest::validator
