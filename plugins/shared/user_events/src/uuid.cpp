#include "shared/user_events/uuid.hpp"

namespace ingest::plugins::shared::user_events {
namespace {

// Runs for the key and the event_id of every record, so a table instead of branches.
constexpr uint8_t kNotHex = 0xFF;
constexpr auto kHexValue = [] {
    std::array<uint8_t, 256> table{};
    table.fill(kNotHex);
    for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<uint8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<uint8_t>(c - 'A' + 10);
    return table;
}();

// Two lower-case hex digits per byte from one lookup: the simulator writes two UUIDs per record.
struct HexPairs {
    char digits[256][2];
    constexpr HexPairs() : digits() {
        constexpr char kHex[] = "0123456789abcdef";
        for (int i = 0; i < 256; ++i) {
            digits[i][0] = kHex[i >> 4];
            digits[i][1] = kHex[i & 0xf];
        }
    }
};
constexpr HexPairs kHexPairs;

// Where each byte's two hex digits start in 8-4-4-4-12 text.
constexpr std::array<uint8_t, 16> kBytePositions = {0,  2,  4,  6,  9,  11, 14, 16,
                                                    19, 21, 24, 26, 28, 30, 32, 34};

}  // namespace

std::optional<Uuid> parse_uuid(std::string_view text) {
    if (text.size() != kUuidTextSize || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
        text[23] != '-')
        return std::nullopt;
    Uuid uuid;
    uint8_t invalid = 0;
    for (size_t i = 0; i < kBytePositions.size(); ++i) {
        const uint8_t high = kHexValue[static_cast<unsigned char>(text[kBytePositions[i]])];
        const uint8_t low = kHexValue[static_cast<unsigned char>(text[kBytePositions[i] + 1])];
        invalid |= (high | low) & 0xF0;
        uuid.bytes[i] = static_cast<uint8_t>((high << 4) | (low & 0x0F));
    }
    if (invalid) return std::nullopt;
    return uuid;
}

char* write_uuid(char* out, const Uuid& uuid) {
    for (size_t i = 0; i < uuid.bytes.size(); ++i) {
        std::memcpy(out + kBytePositions[i], kHexPairs.digits[uuid.bytes[i]], 2);
    }
    out[8] = out[13] = out[18] = out[23] = '-';
    return out + kUuidTextSize;
}

std::string format_uuid(const Uuid& uuid) {
    std::string text(kUuidTextSize, '\0');
    write_uuid(text.data(), uuid);
    return text;
}

Uuid uuid_from_bytes(const unsigned char* bytes) {
    Uuid uuid;
    std::memcpy(uuid.bytes.data(), bytes, uuid.bytes.size());
    return uuid;
}

Uuid uuid_from_halves(uint64_t high, uint64_t low) {
    Uuid uuid;
    for (int i = 7; i >= 0; --i) {
        uuid.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(high & 0xFF);
        uuid.bytes[static_cast<size_t>(i) + 8] = static_cast<uint8_t>(low & 0xFF);
        high >>= 8;
        low >>= 8;
    }
    return uuid;
}

}  // namespace ingest::plugins::shared::user_events
