// Turns a record (key + JSON value, or a tombstone) into an Event, enforcing the data contract
// (DESIGN.md §3). Anything that breaks it is rejected with a reason for the dead-letter topic.
#pragma once

#include "event.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::sink_postgres {

class EventDecoder {
   public:
    explicit EventDecoder(int64_t late_threshold_us) : late_threshold_us_(late_threshold_us) {}

    // key/value: nullopt when absent (no key; tombstone). Fills `event` (its text fields into
    // `arena`) and returns true, or returns false with `reason` set. The partition and offset
    // of `event` are left to the caller.
    bool decode(std::optional<std::string_view> key, std::optional<std::string_view> value,
                Event& event, StringArena& arena, std::string& reason);

   private:
    // `event_id_text` is the field as written, valid until the next decode.
    bool decode_value(std::string_view value, Event& event, StringArena& arena,
                      std::string_view& event_id_text, std::string& reason);

    int64_t late_threshold_us_;
    simdjson::dom::parser parser_;  // DOM: validates the whole value, trailing bytes included
    std::string padded_;  // the value copied with simdjson's required padding; reused
};

}  // namespace ingest::sink_postgres
