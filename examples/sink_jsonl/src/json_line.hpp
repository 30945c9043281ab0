// One consumed record as one line of JSON: the encoding of sink_jsonl's file.
#pragma once

#include <ingest/sdk.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sink_jsonl {

// Appends the record as one JSON object and a newline to `line`:
//   {"topic":..,"partition":..,"offset":..,"timestamp_ms":..,"key":..,"value":..,"headers":[{"key":..,"value":..}]}
// Key, value and header values are JSON strings, null when absent (a tombstone's value). Returns
// why the record cannot be a JSON line (bytes that are not UTF-8, as JSON holds text only), and
// then leaves `line` as it was.
std::optional<std::string> append_json_line(const ingest::sdk::Record& record, std::string& line);

// True when `bytes` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_utf8(std::string_view bytes);

}  // namespace sink_jsonl
