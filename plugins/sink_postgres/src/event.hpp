// One record as the sink works with it: a decoded user event or tombstone, with its text fields
// in a per-batch arena so that decoding a batch does not allocate per field.
#pragma once

#include "shared/user_events/event_decoder.hpp"
#include "shared/user_events/uuid.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::plugins::sink_postgres {

using shared::user_events::Uuid;

// Owns the text fields of one batch's events back to back; events refer to it by offset, so it
// may grow without invalidating them. Cleared (capacity kept) between batches.
class StringArena {
   public:
    struct Slice {
        uint32_t offset = 0;
        uint32_t size = 0;
    };

    Slice append(std::string_view text) {
        Slice slice{static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(text.size())};
        bytes_.append(text);
        return slice;
    }
    std::string_view view(Slice slice) const { return {bytes_.data() + slice.offset, slice.size}; }
    void clear() { bytes_.clear(); }

   private:
    std::string bytes_;
};

struct Event {
    Uuid event_id;
    bool tombstone = false;
    bool is_valid = false;
    bool late = false;  // received_time - event_time over the late threshold
    int32_t revision = 0;
    int64_t event_time_us = 0;     // since the Unix epoch, UTC
    int64_t received_time_us = 0;  // since the Unix epoch, UTC
    StringArena::Slice user_id;
    StringArena::Slice event_type;
    uint32_t source = 0;  // index of the event's topic-partition in the batch (PartitionBatch)
    int64_t offset = 0;
    uint32_t record = 0;  // index of the record in the batch put() was given
};

// The sink's reading of one record: the shared decoder's verdict, kept as an Event (Event and
// Tombstone: `event` filled, its text appended to `arena`; its partition, offset and record index
// are left to the caller) or as the dead-letter reason (Malformed: `reason` set).
shared::user_events::RecordKind decode_record(shared::user_events::EventDecoder& decoder,
                                              std::optional<std::string_view> key,
                                              std::optional<std::string_view> value,
                                              int64_t late_threshold_us, Event& event,
                                              StringArena& arena, std::string& reason);

}  // namespace ingest::plugins::sink_postgres
