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
#pragma once

#include "event_value.hpp"
#include "expected_state.hpp"
#include "report.hpp"
#include "topic_index.hpp"

#include <cstdint>
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
    Reconciler(const ExpectedState& expected, const TopicIndex& topic, size_t examples_max);

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
    void accept_copy(const Copy& copy, const std::unordered_map<uint64_t, uint32_t>& winners,
                     const std::unordered_set<uint64_t>& malformed);
    // The offset the row of expected_.events[index] must name.
    int64_t expected_offset(uint32_t index) const;

    const ExpectedState& expected_;
    const TopicIndex& topic_;
    Report report_;
    std::vector<bool> row_seen_;  // by index into expected_.events
    std::vector<bool> deletion_seen_;
    // Event index -> offset of the earliest copy of its deciding record, when before that record.
    std::unordered_map<uint32_t, int64_t> earliest_copy_;
    std::vector<Copy> malformed_copies_;
};

// Convenience for callers that hold the whole table.
Report reconcile(const ExpectedState& expected, const TopicIndex& topic,
                 std::span<const TableRow> rows, std::span<const Uuid> deletions,
                 size_t examples_max);

}  // namespace ingest::plugins::sink_validator
