// Records handed to the host and not yet confirmed or refused: kept (key and exact value) until
// their delivery report, so the audit log can say exactly what the broker stored.
//
// Sequence numbers are consecutive, so entries live in a ring indexed by seq % capacity. The ring
// is full when the newest seq is `capacity` past the oldest unconfirmed one: that is the bounded
// producer lead (max.in.flight), and it also guarantees that no live entry is ever overwritten.
// Each slot's strings keep their capacity, so the steady state allocates nothing.
#pragma once

#include "intent.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::simulator {

class InFlightWindow {
   public:
    struct Entry {
        uint64_t seq = 0;
        Intent intent = Intent::Create;
        bool pending = false;
        bool tombstone = false;
        std::string key;
        std::string value;

        std::optional<std::string_view> value_view() const {
            if (tombstone) return std::nullopt;
            return std::string_view(value);
        }
    };

    explicit InFlightWindow(size_t capacity = 1) : capacity_(capacity > 0 ? capacity : 1) {}

    bool full() const { return next_seq_ - oldest_pending_ >= capacity_; }
    size_t pending() const { return pending_; }
    uint64_t next_seq() const { return next_seq_; }

    // Stores a copy of the record under the next sequence number and returns it. Requires !full().
    uint64_t add(Intent intent, std::string_view key, std::optional<std::string_view> value);

    // The pending entry for `seq`, or nullptr when there is none (unknown or already released).
    Entry* find(uint64_t seq);

    // The entry's delivery report arrived: it no longer counts against the limit.
    void release(Entry& entry);

    template <typename Fn>
    void for_each_pending(Fn&& fn) {
        for (uint64_t seq = oldest_pending_; seq < next_seq_; ++seq)
            if (Entry* entry = find(seq)) fn(*entry);
    }

   private:
    size_t capacity_;
    std::vector<Entry> slots_;  // grows up to capacity_ as the first records go out
    uint64_t next_seq_ = 0;
    uint64_t oldest_pending_ = 0;  // == next_seq_ when nothing is pending
    size_t pending_ = 0;
};

}  // namespace ingest::simulator
