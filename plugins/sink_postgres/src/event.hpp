// One decoded user event (or tombstone) as the sink works with it, and the per-batch storage of
// its strings, so that decoding a batch does not allocate per field.
#pragma once

#include "uuid.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ingest::sink_postgres {

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
    bool late = false;
    int32_t revision = 0;
    int64_t event_time_us = 0;     // since the Unix epoch, UTC
    int64_t received_time_us = 0;  // since the Unix epoch, UTC
    StringArena::Slice user_id;
    StringArena::Slice event_type;
    uint32_t source = 0;  // index of the event's topic-partition in the batch (PartitionBatch)
    int64_t offset = 0;
};

}  // namespace ingest::sink_postgres
