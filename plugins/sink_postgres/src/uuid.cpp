#include "uuid.hpp"

namespace ingest::sink_postgres {
namespace {

// Runs twice per record (key and value), so a table instead of branches.
constexpr uint8_t kNotHex = 0xFF;
constexpr auto kHexValue = [] {
    std::array<uint8_t, 256> table{};
    table.fill(kNotHex);
    for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<uint8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<uint8_t>(c - 'A' + 10);
    return table;
}();

// Where each byte's two hex digits start in 8-4-4-4-12 text.
constexpr std::array<uint8_t, 16> kBytePositions = {0,  2,  4,  6,  9,  11, 14, 16,
                                                    19, 21, 24, 26, 28, 30, 32, 34};

}  // namespace

std::optional<Uuid> parse_uuid(std::string_view text) {
    if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
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

std::string format_uuid(const Uuid& uuid) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(36);
    for (size_t i = 0; i < uuid.bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
        text.push_back(kDigits[uuid.bytes[i] >> 4]);
        text.push_back(kDigits[uuid.bytes[i] & 0xF]);
    }
    return text;
}

}  // namespace ingest::sink_postgres
