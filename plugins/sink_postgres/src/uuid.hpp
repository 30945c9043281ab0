// UUIDs as the data contract writes them (canonical 8-4-4-4-12 hex text) and as PostgreSQL's
// binary protocol wants them (16 bytes).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::sink_postgres {

struct Uuid {
    std::array<uint8_t, 16> bytes{};

    auto operator<=>(const Uuid&) const = default;
};

// Accepts only the canonical form, hex digits in either case; nullopt for anything else.
std::optional<Uuid> parse_uuid(std::string_view text);

// Lower-case canonical text, for messages and tests.
std::string format_uuid(const Uuid& uuid);

}  // namespace ingest::sink_postgres
