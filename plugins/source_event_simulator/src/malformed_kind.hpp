// The ways the simulator breaks the data contract on purpose (intent `malformed`).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ingest::plugins::source_event_simulator {

// How a malformed record breaks the data contract. Each kind is something the sink must route to
// the dead-letter topic; none of them is merely unusual.
enum class MalformedKind : uint8_t {
    Truncated,     // a valid value cut short: not JSON
    NotJson,       // free text
    MissingField,  // valid JSON without one required field
    BadUuid,       // event_id (and the key) not a canonical UUID
    BadTimestamp,  // event_time or received_time not RFC 3339 with a zone
    WrongType,     // a field of the wrong JSON type, or a negative revision
    KeyMismatch,   // a schema-valid value whose event_id differs from the key
};
inline constexpr size_t kMalformedKindCount = 7;

inline constexpr std::array<std::string_view, kMalformedKindCount> kMalformedKindNames = {
    "truncated", "not_json", "missing_field", "bad_uuid", "bad_timestamp", "wrong_type",
    "key_mismatch"};

constexpr std::string_view malformed_kind_name(MalformedKind kind) {
    return kMalformedKindNames[static_cast<size_t>(kind)];
}

}  // namespace ingest::plugins::source_event_simulator
