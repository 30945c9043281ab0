// What one user-events record means, in the form the validator compares with table rows. The
// verdict itself (event, tombstone or malformed, and why) is the shared decoder's
// (shared/user_events/event_decoder.hpp), the same one the sink uses: the validator keeps its
// independence in deriving the expected table, not in its own notion of a well-formed event.
#pragma once

#include "shared/user_events/event_decoder.hpp"
#include "shared/user_events/uuid.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::plugins::sink_validator {

using shared::user_events::EventDecoder;
using shared::user_events::RecordKind;
using shared::user_events::Uuid;
using shared::user_events::UuidHash;

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

struct ClassifiedRecord {
    RecordKind kind = RecordKind::Malformed;
    Uuid event_id;        // Event and Tombstone
    EventFields fields;   // Event
    std::string problem;  // Malformed: "<reason code>: <detail>", for reports
};

// `key` and `value` absent mean no key / a tombstone.
ClassifiedRecord classify_record(EventDecoder& decoder, std::optional<std::string_view> key,
                                 std::optional<std::string_view> value);

}  // namespace ingest::plugins::sink_validator
