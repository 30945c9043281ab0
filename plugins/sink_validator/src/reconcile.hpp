// The three-way comparison: the expected state (audit log) against what the validator saw on the
// topics and what the table holds. Rows stream through one at a time, so a table is one pass with
// no copy of it in memory: a row is matched with its id's state by hash lookup and compared by
// fingerprint (fingerprint.hpp); the fields of the few mismatches the report shows are read back
// from the audit log at the end. Rows of ids whose states spilled to disk (key_store.hpp) go to a
// file per bucket and are compared when finish() loads that bucket back: a grace hash join.
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
#include <optional>
#include <set>
#include <span>
#include <string>
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
    // `expected` must be finished; both arguments must outlive the reconciler.
    Reconciler(const ExpectedState& expected, const TopicIndex& topic, size_t examples_max,
               bool topic_compacted = false);
    ~Reconciler();
    Reconciler(const Reconciler&) = delete;
    Reconciler& operator=(const Reconciler&) = delete;

    void add_row(const TableRow& row);
    void add_deletion(const Uuid& event_id);
    // After every row and deletion: the comparison's outcome. Throws std::runtime_error when a
    // spill file cannot be read or written.
    Report finish();

   private:
    struct Copy {
        int32_t partition = 0;
        int64_t offset = 0;
        uint64_t fingerprint = 0;
    };
    // A bucket's states with this comparison's marks.
    struct Marks {
        std::vector<uint8_t> seen;  // kRowSeen | kDeletionSeen, by index into the bucket's table
    };
    // A mismatch kept as an example whose fields differ: filled in from the audit log at the end.
    struct PendingFields {
        size_t example = 0;
        Position decided;
        EventFields actual;
    };

    void compare(const KeyTable& table, Marks& marks, const TableRow& row, uint64_t hash);
    void compare_deletion(const KeyTable& table, Marks& marks, const Uuid& id, uint64_t hash);
    void compare_row(const KeyState& state, const TableRow& row);
    // Missing rows and deletions of one bucket, once every row was seen.
    void check_missing(const KeyTable& table, const Marks& marks);
    void finish_spilled_bucket(size_t bucket);
    void fill_in_fields();
    void check_dead_letters();
    // Before any row: copies decide where rows must come from.
    void check_topic();
    // Topic records at positions without a confirmed line: copies, or topic_unexpected.
    void check_unconfirmed_records();
    // The offset the row of an id decided at `decided` must name.
    int64_t expected_offset(const KeyState& state) const;
    // Compacted topics: the last record of each key, confirmed and present (built on first use).
    void index_keys() const;
    // Compacted topics: whether a confirmed record missing from the topic went by compaction.
    bool compaction_explains(const AuditPosition& missing) const;
    // Compacted topics: whether `row` names a record identical to the one that decided the
    // expected state, every earlier identical record of which is gone from the topic.
    bool compaction_explains_provenance(const KeyState& state, const TableRow& row) const;
    // Compacted topics: whether any record of the key is still in the partition.
    bool key_present(int32_t partition, uint64_t key) const;
    void spill_row(size_t bucket, const TableRow& row);
    void spill_deletion(size_t bucket, const Uuid& id);
    std::string spill_file(size_t bucket, const char* kind) const;

    const ExpectedState& expected_;
    const KeyStore& keys_;
    const TopicIndex& topic_;
    size_t examples_max_;
    Report report_;
    std::vector<Marks> marks_;  // by bucket, for the buckets in memory
    // Rows and deletions of spilled buckets, waiting to be written to their files.
    std::vector<std::vector<char>> row_buffers_;
    std::vector<std::vector<char>> deletion_buffers_;
    std::vector<std::string> spill_files_;
    // Position of a confirmed record -> offset of the earliest identical copy before it.
    std::map<Position, int64_t> earliest_copy_;
    std::vector<Copy> malformed_copies_;
    std::vector<PendingFields> pending_fields_;
    bool compacted_ = false;
    int64_t present_in_topic_ = 0;
    // Compacted topics: (partition, key fingerprint) -> the highest offset of the key in the topic,
    // and -> its last confirmed record (offset, is it a tombstone).
    mutable bool keys_indexed_ = false;
    mutable std::map<std::pair<int32_t, uint64_t>, int64_t> last_present_;
    mutable std::map<std::pair<int32_t, uint64_t>, std::pair<int64_t, bool>> last_confirmed_;
    std::vector<Copy> copies_;  // accepted copies (compacted topics count them as present keys)
    std::set<Position> compacted_away_;  // positions of such records
};

// Convenience for callers that hold the whole table.
Report reconcile(const ExpectedState& expected, const TopicIndex& topic,
                 std::span<const TableRow> rows, std::span<const Uuid> deletions,
                 size_t examples_max, bool topic_compacted = false);

}  // namespace ingest::plugins::sink_validator
