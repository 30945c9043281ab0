// The one UUID codec of the data contract: canonical 8-4-4-4-12 hex text (how records carry
// event_id) to and from 16 bytes (how PostgreSQL's binary protocol carries a uuid).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::plugins::shared::user_events {

struct Uuid {
    std::array<uint8_t, 16> bytes{};

    auto operator<=>(const Uuid&) const = default;
};

struct UuidHash {
    size_t operator()(const Uuid& id) const noexcept {
        uint64_t high = 0;
        uint64_t low = 0;
        std::memcpy(&high, id.bytes.data(), 8);
        std::memcpy(&low, id.bytes.data() + 8, 8);
        // Random UUIDs are uniform already; the multiply only spreads sequential test ids.
        return static_cast<size_t>(high ^ (low * 0x9E3779B97F4A7C15ULL));
    }
};

inline constexpr size_t kUuidTextSize = 36;

// Accepts only the canonical form, hex digits in either case; nullopt for anything else (no
// braces, no "urn:uuid:", no missing dashes).
std::optional<Uuid> parse_uuid(std::string_view text);

// Writes exactly kUuidTextSize lower-case characters; returns the end.
char* write_uuid(char* out, const Uuid& uuid);

// Lower-case canonical text.
std::string format_uuid(const Uuid& uuid);

// From the 16 big-endian bytes PostgreSQL uses on the wire.
Uuid uuid_from_bytes(const unsigned char* bytes);

// From two big-endian halves: `high` holds bytes 0-7, `low` bytes 8-15.
Uuid uuid_from_halves(uint64_t high, uint64_t low);

}  // namespace ingest::plugins::shared::user_events
