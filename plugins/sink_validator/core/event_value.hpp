// What one user-events record means under the data contract (DESIGN.md §3), decided by the
// validator's own reading of the contract: an event, a tombstone, or a malformed record.
#pragma once

#include "core/uuid.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::validator {

// The columns of one row of the events table that the pipeline derives from a record.
struct EventFields {
    std::string user_id;
    std::string event_type;
    int64_t event_time_us = 0;  // microseconds since the Unix epoch
    int64_t received_time_us = 0;
    bool is_valid = false;
    int64_t revision = 0;

    bool operator==(const EventFields&) const = default;
};

enum class RecordKind : uint8_t { Event, Tombstone, Malformed };

struct ClassifiedRecord {
    RecordKind kind = RecordKind::Malformed;
    Uuid event_id;       // Event and Tombstone
    EventFields fields;  // Event
    std::string problem; // Malformed: what is wrong, for reports
};

// `key` and `value` absent mean no key / a tombstone. A record is malformed when it has no key,
// a tombstone's key is not a UUID, or the value is not a JSON object with exactly the contract's
// fields and types (schemas/user_event.schema.json): a UUID event_id equal to the key, non-empty
// user_id and event_type, RFC 3339 timestamps, and an integer revision in [0, 2^31-1].
ClassifiedRecord classify_record(std::optional<std::string_view> key,
                                 std::optional<std::string_view> value);

}  // namespace ingest::validator
