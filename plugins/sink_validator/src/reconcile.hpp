// The three-way comparison: the expected state (audit log) against what the validator saw on the
// topics and what the table holds. Rows stream through one at a time, so a million-row table is
// one pass with no copy of it in memory.
//
// Copies. A source that restarts sends again the records whose outcome it did not know (at least
// once), so the topic may hold a record twice: once without an audit line, once confirmed. A
// topic record without a line is accepted as such a copy only when it is byte-identical (key and
// value) to a confirmed record of the same partition; anything else is topic_unexpected. A copy
// changes no row's content (its bytes are already in the truth), but it can come first in Kafka
// order: a row's expected provenance is the earliest record identical to the one that decided
// it, copies included, as the sink applies the first and counts the others as duplicates. A copy
// of a malformed record must be dead-lettered like the original.
//
// Compaction (topic_compacted: the validator's source.topic.compacted). Kafka's log cleaner keeps
// the last record of every key in a partition and removes the earlier ones, and removes a tombstone
// itself once delete.retention.ms has passed; the offsets of removed records stay unused. So on a
// compacted topic a confirmed record may be missing, and only then: a later record of its key is
// in the topic, or the key's last confirmed record is a tombstone and nothing of the key is left.
// Such a record is counted as `compacted`, not topic_missing; the sink may or may not have read it
// before it went, so it needs no dead letter, a deletion that left nothing in the topic need not be
// in the deletions table, and a row may come from a later identical record when every earlier one
// is gone. Everything else is judged as on any topic: a row must still equal the truth, which is
// what a sink that read the compacted topic reaches when the last record of every key is its final
// state (docs/validation.md, Compacted topics).
#pragma once

#include "event_value.hpp"
#include "expected_state.hpp"
#include "report.hpp"
#include "topic_index.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ingest::plugins::sink_validator {

// One row of the events table.
struct TableRow {
    Uuid event_id;
    EventFields fields;
    int32_t partition = 0;  // kafka_partition / kafka_offset: the record the row came from
    int64_t offset = 0;
};

class Reconciler {
   public:
    // Both arguments must outlive the reconciler.
    Reconciler(const ExpectedState& expected, const TopicIndex& topic, size_t examples_max,
               bool topic_compacted = false);

    void add_row(const TableRow& row);
    void add_deletion(const Uuid& event_id);
    // After every row and deletion: the comparison's outcome.
    Report finish();

   private:
    struct Copy {
        int32_t partition = 0;
        int64_t offset = 0;
        uint64_t fingerprint = 0;
    };

    void compare_row(uint32_t index, const TableRow& row);
    void check_dead_letters();
    // Before any row: copies decide where rows must come from.
    void check_topic();
    // Topic records at positions without a confirmed line: copies, or topic_unexpected.
    void check_unconfirmed_records();
    void accept_copy(const Copy& copy, const std::unordered_map<uint64_t, uint32_t>& winners,
                     const std::unordered_set<uint64_t>& malformed);
    // The offset the row of expected_.events[index] must name.
    int64_t expected_offset(uint32_t index) const;
    // Compacted topics: whether a confirmed record missing from the topic went by compaction.
    bool compaction_explains(const CarriedRecord& missing) const;
    // Compacted topics: whether `row` names a record identical to the one that decided the
    // expected state, every earlier identical record of which is gone from the topic.
    bool compaction_explains_provenance(const ExpectedEvent& expected, const TableRow& row) const;
    // Compacted topics: whether any record of the key is still in the partition.
    bool key_present(int32_t partition, uint64_t key) const;

    const ExpectedState& expected_;
    const TopicIndex& topic_;
    Report report_;
    std::vector<bool> row_seen_;  // by index into expected_.events
    std::vector<bool> deletion_seen_;
    // Event index -> offset of the earliest copy of its deciding record, when before that record.
    std::unordered_map<uint32_t, int64_t> earliest_copy_;
    std::vector<Copy> malformed_copies_;
    bool compacted_ = false;
    // Compacted topics: (partition, key fingerprint) -> the highest offset of the key in the topic,
    // and -> its last confirmed record (offset, is it a tombstone).
    std::map<std::pair<int32_t, uint64_t>, int64_t> last_present_;
    std::map<std::pair<int32_t, uint64_t>, std::pair<int64_t, bool>> last_confirmed_;
    std::set<std::pair<int32_t, int64_t>> compacted_away_;  // positions of such records
};

// Convenience for callers that hold the whole table.
Report reconcile(const ExpectedState& expected, const TopicIndex& topic,
                 std::span<const TableRow> rows, std::span<const Uuid> deletions,
                 size_t examples_max, bool topic_compacted = false);

}  // namespace ingest::plugins::sink_validator
