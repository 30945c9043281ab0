// The one reading of the data contract (DESIGN.md §3, schemas/user_event.schema.json): what a
// user-events record is. Every plugin that judges records calls this decoder, so the sink and
// the validator cannot disagree on what is well-formed.
//
// A record is
//   - a tombstone: a key that is a canonical UUID and no value;
//   - an event: a key that is a canonical UUID and a value that is a JSON object with exactly the
//     seven contract fields, each once: event_id (a canonical UUID spelled byte for byte as the
//     key: Kafka partitions by the key's bytes), user_id and event_type (non-empty strings
//     without NUL: PostgreSQL's text cannot hold it; user_id at most kMaxUserIdLength
//     characters), event_time and received_time (RFC 3339,
//     rfc3339.hpp), is_valid (a boolean), revision (an integer in 0..2^31-1);
//   - malformed otherwise, with a stable reason code and a message naming the field and value.
#pragma once

#include "shared/user_events/uuid.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::plugins::shared::user_events {

// The longest user_id, in characters (Unicode code points, as JSON Schema's `maxLength` counts
// them; schemas/user_event.schema.json states the same number). The sink indexes user_id with a
// btree, whose entries hold at most 2704 bytes (about 2690 bytes of text, less when compression
// does not help): 512 characters are at most 2048 bytes in UTF-8, so every user_id the contract
// accepts can be stored and indexed, whatever its characters. A longer one is malformed
// (text_too_long) instead of a record PostgreSQL refuses (SQLSTATE 54000).
inline constexpr size_t kMaxUserIdLength = 512;

enum class RecordKind : uint8_t { Event, Tombstone, Malformed };

// Stable reasons for a malformed record (their codes are in reason_code()); the first problem
// found wins.
enum class MalformedReason : uint8_t {
    NoKey,               // the record has no key
    KeyNotUuid,          // the key is not a canonical UUID
    NotJson,             // the value does not parse as JSON (invalid UTF-8 included)
    NotObject,           // the value is JSON but not an object
    UnknownField,        // a field the contract does not have
    DuplicateField,      // a contract field given twice
    MissingField,        // a contract field absent
    WrongType,           // a field of the wrong JSON type
    EmptyText,           // user_id, event_type or a timestamp is an empty string
    NulCharacter,        // a text field contains U+0000
    BadUuid,             // event_id is not a canonical UUID
    BadTimestamp,        // event_time or received_time is outside the RFC 3339 grammar
    RevisionOutOfRange,  // revision is negative, above 2^31-1, or not an integer
    KeyMismatch,         // event_id is spelled differently from the key
    TextTooLong,         // user_id is longer than kMaxUserIdLength characters
};
inline constexpr size_t kMalformedReasonCount = 15;

std::string_view reason_code(MalformedReason reason);
std::optional<MalformedReason> parse_reason_code(std::string_view code);
std::string_view record_kind_name(RecordKind kind);  // "event", "tombstone", "malformed"

// The fields of a well-formed event. Text views point into the decoder and stay valid until its
// next decode().
struct EventView {
    std::string_view user_id;
    std::string_view event_type;
    int64_t event_time_us = 0;  // since the Unix epoch, UTC
    int64_t received_time_us = 0;
    bool is_valid = false;
    int32_t revision = 0;
};

struct Verdict {
    RecordKind kind = RecordKind::Malformed;
    Uuid event_id;  // Event and Tombstone
    EventView event;  // Event
    MalformedReason reason = MalformedReason::NoKey;  // Malformed
    std::string detail;  // Malformed: what is wrong, naming the field and (an excerpt of) the value

    // "<reason code>: <detail>", for dead-letter headers and reports.
    std::string message() const;
};

// One decoder per thread of work; it reuses its parser and buffers, so steady state does not
// allocate except for the details of malformed records.
class EventDecoder {
   public:
    // `key`/`value`: nullopt when absent (no key; tombstone). The result stays valid until the
    // next call.
    const Verdict& decode(std::optional<std::string_view> key, std::optional<std::string_view> value);

   private:
    bool decode_value(std::string_view value, std::string_view& event_id_text);
    bool fail(MalformedReason reason, std::string detail);

    Verdict verdict_;
    simdjson::dom::parser parser_;  // DOM: validates the whole value, trailing bytes included
    std::string padded_;  // the value copied with simdjson's required padding; reused
};

}  // namespace ingest::plugins::shared::user_events
