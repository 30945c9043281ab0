// RFC 3339 timestamps to and from microseconds since the Unix epoch.
//
// Written independently of the PostgreSQL sink's parser on purpose: the validator is the second
// opinion, so it converts through the C library's timegm() instead of sharing a date algorithm.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::validator {

// `YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)` ('T' and 'Z' in either case). Calendar fields are range
// checked (no 31 April, no leap seconds), so a value the database would reject is rejected here.
// nullopt for anything else.
std::optional<int64_t> parse_rfc3339_micros(std::string_view text);

// UTC with exactly six fractional digits, e.g. "2026-11-25T08:00:00.123456Z".
std::string format_rfc3339_micros(int64_t micros);

}  // namespace ingest::validator
