// Collapsing a batch per event_id, in Kafka order, against what the table held before the batch.
//
// Pure logic, no I/O. The writer (batch_writer.cpp) first groups the batch's events by event_id
// (BatchCollapse), asks PostgreSQL for each group's prior state in one query, then resolves every
// group here: which single write, if any, makes the table equal to having applied the group's
// records one by one, and what each record amounted to. Counting per record as if applied one by
// one keeps the counters independent of how records happen to be batched.
#pragma once

#include "event.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ingest::plugins::sink_postgres {

// What collapsing needs of an event.
struct EventKey {
    Uuid event_id;
    bool tombstone = false;
    bool is_valid = true;
    int32_t revision = 0;
};

// The state of one event_id in PostgreSQL before the batch.
struct PriorState {
    enum class Kind : uint8_t { Absent, Stored, Deleted };
    Kind kind = Kind::Absent;
    int32_t revision = 0;  // Stored only
};

// What one record amounted to.
enum class Outcome : uint8_t {
    Inserted,               // first version of the event
    Updated,                // newer revision replaced the stored one
    Duplicate,              // revision not newer than the current one; or a repeated tombstone
    Deleted,                // tombstone: the event is deleted and remembered as deleted
    SuppressedAfterDelete,  // a version arriving after the event's deletion: ignored for good
};

// The one write a group needs.
enum class Action : uint8_t {
    None,
    Insert,            // no row and no deletion yet: insert `decisive`
    Update,            // a row with an older revision exists: replace it with `decisive`
    Delete,            // record the deletion (`decisive` is the tombstone); remove the row if any
};

struct GroupResolution {
    Action action = Action::None;
    uint32_t decisive = 0;  // index into the batch of the record the action writes
    uint32_t inserted = 0;
    uint32_t updated = 0;
    uint32_t duplicates = 0;
    uint32_t deleted = 0;
    uint32_t suppressed_after_delete = 0;
    uint32_t invalidations = 0;  // records stored with is_valid = false (inserted or updated)
};

// Groups a batch's events by event_id; each group lists its members' batch indices in batch
// (= Kafka) order. Reused across batches so steady state does not allocate.
class BatchCollapse {
   public:
    struct Group {
        uint32_t first = 0;  // into members()
        uint32_t count = 0;
    };

    void build(std::span<const EventKey> events);

    std::span<const Group> groups() const { return groups_; }
    std::span<const uint32_t> members(const Group& group) const {
        return std::span<const uint32_t>(order_).subspan(group.first, group.count);
    }

   private:
    std::vector<uint32_t> order_;
    std::vector<Group> groups_;
};

// Applies one group's records (batch indices in Kafka order) to `prior`, one by one.
GroupResolution resolve_group(std::span<const uint32_t> members, std::span<const EventKey> events,
                              PriorState prior);

}  // namespace ingest::plugins::sink_postgres
