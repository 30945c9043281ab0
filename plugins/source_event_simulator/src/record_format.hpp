// A record's value in the data contract's form (DESIGN.md §3), written straight into caller
// buffers: this runs for every record, so no iostreams, no allocation. UUIDs and timestamps are
// written by the shared codecs (shared/user_events).
#pragma once

#include "rng.hpp"
#include "shared/user_events/intent.hpp"
#include "shared/user_events/rfc3339.hpp"
#include "shared/user_events/uuid.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ingest::plugins::source_event_simulator {

using shared::user_events::format_rfc3339_micros;
using shared::user_events::format_uuid;
using shared::user_events::Intent;
using shared::user_events::intent_name;
using shared::user_events::kIntentCount;
using shared::user_events::kIntentNames;
using shared::user_events::kTimestampTextSize;
using shared::user_events::kUuidTextSize;
using shared::user_events::Uuid;
using shared::user_events::write_rfc3339_micros;
using shared::user_events::write_uuid;

// A random (version 4, RFC 4122 variant) UUID drawn from `rng`.
Uuid random_uuid(Rng& rng);

// One version of one event: everything its value says.
struct EventVersion {
    Uuid event_id;
    int64_t event_time_us = 0;     // since the Unix epoch
    int64_t received_time_us = 0;  // since the Unix epoch
    uint32_t user = 0;             // user_id is "user-<user>"
    uint32_t first_user = 0;       // the user of revision 0: decides the event's partition
    uint32_t revision = 0;
    uint16_t type = 0;             // index into the configured event types
    bool is_valid = true;
};

// Enough for any value write_value() produces (event type names are at most 64 characters).
inline constexpr size_t kValueCapacity = 512;

// The version's JSON value; returns its size. `out` holds at least kValueCapacity bytes.
size_t write_value(char* out, const EventVersion& version, std::string_view type_name);

// The same value as (field name, raw JSON text) pairs in contract order, for building records that
// deliberately break the contract; join_fields() of these equals write_value().
using JsonFields = std::vector<std::pair<std::string_view, std::string>>;
JsonFields value_fields(const EventVersion& version, std::string_view type_name);
std::string join_fields(const JsonFields& fields);

}  // namespace ingest::plugins::source_event_simulator
