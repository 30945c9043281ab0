// Event ids as 128-bit values: cheaper to hash and compare than text, and the form PostgreSQL's
// binary COPY hands back, so table rows and audit records meet without any text round trip.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::validator {

struct Uuid {
    uint64_t high = 0;
    uint64_t low = 0;

    auto operator<=>(const Uuid&) const = default;
};

struct UuidHash {
    size_t operator()(const Uuid& id) const noexcept {
        // Random UUIDs are uniform already; the multiply only spreads sequential test ids.
        return static_cast<size_t>((id.high ^ (id.low * 0x9E3779B97F4A7C15ULL)));
    }
};

// Accepts the canonical 8-4-4-4-12 hexadecimal form, either case; nullopt for anything else.
std::optional<Uuid> parse_uuid(std::string_view text);

// Lower-case canonical form.
std::string format_uuid(const Uuid& id);

// From the 16 big-endian bytes PostgreSQL uses on the wire.
Uuid uuid_from_bytes(const unsigned char* bytes);

}  // namespace ingest::validator
