// The one RFC 3339 codec of the data contract: `2026-11-25T08:00:00.123456+01:00` to and from
// microseconds since the Unix epoch.
//
// One grammar for every reader: `YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`, 'T' and 'Z' in either
// case, a zone mandatory, years 0001-9999, calendar fields range-checked (no 31 April), no leap
// second and at most 6 fractional digits: PostgreSQL would roll a leap second into the next
// minute and round extra digits away, so neither could be stored exactly. Hand-written because
// it runs twice per record on the sink's hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ingest::plugins::shared::user_events {

struct ParsedTimestamp {
    int64_t micros = 0;           // since 1970-01-01T00:00:00Z
    const char* error = nullptr;  // static text naming what is wrong; nullptr on success

    bool ok() const { return error == nullptr; }
};

ParsedTimestamp parse_rfc3339_micros(std::string_view text);

// `YYYY-MM-DDTHH:MM:SS.ffffffZ`: UTC, always six fractional digits.
inline constexpr size_t kTimestampTextSize = 27;

// Writes exactly kTimestampTextSize characters; returns the end. `micros` must lie within the
// grammar's years 0001-9999.
char* write_rfc3339_micros(char* out, int64_t micros);
std::string format_rfc3339_micros(int64_t micros);

}  // namespace ingest::plugins::shared::user_events
