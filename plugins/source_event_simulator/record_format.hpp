// The data contract's text forms (DESIGN.md §3), written straight into caller buffers: this runs
// for every record, so no iostreams, no allocation.
#pragma once

#include "rng.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ingest::simulator {

struct Uuid {
    uint64_t high = 0;
    uint64_t low = 0;
    bool operator==(const Uuid&) const = default;
};

// A random (version 4, RFC 4122 variant) UUID drawn from `rng`.
Uuid random_uuid(Rng& rng);

inline constexpr size_t kUuidTextSize = 36;       // 8-4-4-4-12, lower-case hex
inline constexpr size_t kTimestampTextSize = 27;  // YYYY-MM-DDTHH:MM:SS.ffffffZ

// Each writes exactly its *TextSize characters and returns the end.
char* write_uuid(char* out, const Uuid& uuid);
char* write_timestamp(char* out, int64_t micros_since_epoch);

std::string uuid_text(const Uuid& uuid);
std::string timestamp_text(int64_t micros_since_epoch);

// One version of one event: everything its value says.
struct EventVersion {
    Uuid event_id;
    int64_t event_time_us = 0;     // since the Unix epoch
    int64_t received_time_us = 0;  // since the Unix epoch
    uint32_t user = 0;             // user_id is "user-<user>"
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

}  // namespace ingest::simulator
