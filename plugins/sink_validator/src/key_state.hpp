// The truth about one event id, folded record by record in Kafka order: what its row must be
// (as a fingerprint of the fields, not the fields), which record decided it, and enough to check
// that the records came in order. Fixed size and trivially copyable, so that it can be spilled
// to a file and read back as it is.
#pragma once

#include "shared/user_events/uuid.hpp"

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ingest::plugins::sink_validator {

using shared::user_events::Uuid;

// What the fold needs of one well-formed confirmed record (an event or a tombstone). Also the
// entry of a spilled bucket's journal.
struct RecordFacts {
    enum Flag : uint8_t { kTombstone = 1, kInvalid = 2, kLate = 4 };

    Uuid id;
    uint64_t fields_fingerprint = 0;  // events: fields_fingerprint() of the row it makes
    int64_t offset = 0;
    int32_t partition = 0;
    int32_t revision = 0;
    uint8_t flags = 0;

    bool tombstone() const { return flags & kTombstone; }
};

struct KeyState {
    enum Flag : uint8_t {
        kDeleted = 1,     // a tombstone deleted the event for good
        kInvalid = 2,     // the expected row has is_valid = false
        kLate = 4,        // the expected row is late
        kDisordered = 8,  // a record came before one already folded: re-derived at the end
    };

    Uuid id;
    uint64_t fields_fingerprint = 0;  // of the expected row; 0 while deleted
    int64_t offset = 0;               // the record that decided this state
    int64_t last_offset = 0;          // the last record folded (in Kafka order, so the highest)
    int32_t partition = 0;            // of every record of the id (one key, one partition)
    int32_t revision = 0;             // of the expected row
    uint32_t changes = 0;             // records that changed the state; the others are duplicates
    uint8_t flags = 0;

    bool deleted() const { return flags & kDeleted; }
    bool disordered() const { return flags & kDisordered; }
};
static_assert(std::is_trivially_copyable_v<KeyState> && std::is_trivially_copyable_v<RecordFacts>);

// The state of an id whose first record is `record`.
KeyState first_state(const RecordFacts& record);

// Folds the next record of the id (the rules of DESIGN.md §3: a tombstone deletes for good; an
// event replaces the row only with a newer revision; anything else changes nothing). Returns
// false, changing nothing but the kDisordered flag, when the record does not come after the last
// one folded in Kafka order: the id must then be derived again from all its records, sorted.
bool fold(KeyState& state, const RecordFacts& record);
// The same rules without the order check: for records already sorted in Kafka order.
void apply(KeyState& state, const RecordFacts& record);

// For hashing ids into buckets and slots: random UUIDs are uniform, the mix spreads test ids.
inline uint64_t id_hash(const Uuid& id) {
    uint64_t high = 0;
    uint64_t low = 0;
    std::memcpy(&high, id.bytes.data(), 8);
    std::memcpy(&low, id.bytes.data() + 8, 8);
    uint64_t h = high ^ (low * 0x9E3779B97F4A7C15ULL);
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    return h;
}

}  // namespace ingest::plugins::sink_validator
