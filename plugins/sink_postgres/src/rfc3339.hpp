// RFC 3339 timestamps (`2026-11-25T08:00:00.123456+01:00`) to microseconds since the Unix epoch.
//
// Hand-written because this runs twice per record on the sink's hot path, and because the data
// contract wants exactly RFC 3339's grammar: a zone (Z or ±HH:MM) is mandatory, years 0001-9999.
// Fractions longer than microseconds are rounded half up, as PostgreSQL would store them; a
// second of 60 (leap second) rolls over into the next minute, as PostgreSQL does.
#pragma once

#include <cstdint>
#include <string_view>

namespace ingest::sink_postgres {

struct ParsedTimestamp {
    int64_t micros = 0;            // since 1970-01-01T00:00:00Z
    const char* error = nullptr;   // static text naming what is wrong; nullptr on success

    bool ok() const { return error == nullptr; }
};

ParsedTimestamp parse_rfc3339_micros(std::string_view text);

}  // namespace ingest::sink_postgres
