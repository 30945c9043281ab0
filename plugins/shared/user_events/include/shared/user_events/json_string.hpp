// JSON string literals for audit-log lines, written straight into a caller's buffer.
//
// Every audit line carries the record's value as a JSON string, so each record's ~250 bytes are
// escaped once; this is the simulator's single most expensive step per record, hence a scan of
// 16 bytes at a time (SSE2; 8 bytes at a time elsewhere) rather than a byte loop.
#pragma once

#include <cstddef>
#include <string_view>

namespace ingest::plugins::shared::user_events {

// Bytes write_json_string() may need for `size` input bytes: every byte escaped as \u00XX, plus
// the quotes, plus the slack of the 16-byte stores.
constexpr size_t json_string_capacity(size_t size) { return 6 * size + 2 + 16; }

// Writes `text` as a JSON string literal, quotes included; returns the end. `out` must have
// json_string_capacity(text.size()) bytes.
char* write_json_string(char* out, std::string_view text);

}  // namespace ingest::plugins::shared::user_events
