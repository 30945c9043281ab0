// Records handed to the host and not yet confirmed or refused: kept (key and exact value) until
// their delivery report, so the audit log can say exactly what the broker stored.
//
// Sequence numbers are consecutive, so entries live in a ring indexed by seq % capacity. The ring
// is full when the newest seq is `capacity` past the oldest unconfirmed one: that is the bounded
// producer lead (max.in.flight), and it also guarantees that no live entry is ever overwritten.
// Each slot holds the record's bytes inline (key, then value), so the ring is one contiguous block:
// records go in and their reports come back in roughly sequence order, which the hardware
// prefetcher follows, whereas per-slot heap strings were scattered and every delivery report read
// a cold line. Only a record too large for the inline bytes (a malformed one, or very long event
// type names) spills to the slot's string, which keeps its capacity. Nothing is allocated per
// record.
#pragma once

#include "malformed_kind.hpp"
#include "record_format.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::source_event_simulator {

class InFlightWindow {
   public:
    // Key and value bytes that fit in a slot without a heap allocation: the contract's values are
    // about 230 bytes with the default event types.
    static constexpr size_t kInlineBytes = 352;

    struct Entry {
        uint64_t seq = 0;
        Intent intent = Intent::Create;
        bool pending = false;
        bool tombstone = false;
        bool spilled = false;  // the bytes are in `spill`, not `inline_bytes`
        uint32_t key_size = 0;
        uint32_t value_size = 0;
        char inline_bytes[kInlineBytes];
        std::string spill;

        const char* bytes() const { return spilled ? spill.data() : inline_bytes; }
        std::string_view key() const { return {bytes(), key_size}; }
        std::optional<std::string_view> value_view() const {
            if (tombstone) return std::nullopt;
            return std::string_view(bytes() + key_size, value_size);
        }
    };

    explicit InFlightWindow(size_t capacity = 1) : capacity_(capacity > 0 ? capacity : 1) {}

    bool full() const { return next_seq_ - oldest_pending_ >= capacity_; }
    size_t pending() const { return pending_; }
    uint64_t next_seq() const { return next_seq_; }

    // Stores a copy of the record under the next sequence number and returns it. Requires !full().
    uint64_t add(Intent intent, std::string_view key, std::optional<std::string_view> value);

    // A continued stream: the next sequence number is `seq` (nothing may be pending or added yet).
    void start_at(uint64_t seq);
    // Passes over the next sequence number without a record (one that already has its outcome);
    // it counts against the limit until every older record is settled. Requires !full().
    void skip();

    // The pending entry for `seq`, or nullptr when there is none (unknown or already released).
    Entry* find(uint64_t seq);

    // The entry's delivery report arrived: it no longer counts against the limit.
    void release(Entry& entry);

   private:
    Entry& slot(uint64_t seq);

    size_t capacity_;
    std::vector<Entry> slots_;  // grows up to capacity_ as the first records go out (or are skipped)
    uint64_t next_seq_ = 0;
    uint64_t oldest_pending_ = 0;  // == next_seq_ when nothing is pending
    size_t pending_ = 0;
};

}  // namespace ingest::plugins::source_event_simulator
