// The three-way comparison: the expected state (audit log) against what the validator saw on the
// topics and what the table holds. Rows stream through one at a time, so a million-row table is
// one pass with no copy of it in memory.
#pragma once

#include "event_value.hpp"
#include "expected_state.hpp"
#include "report.hpp"
#include "topic_index.hpp"

#include <cstdint>
#include <span>
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
    void compare_row(const ExpectedEvent& expected, const TableRow& row);
    void check_dead_letters();
    void check_topic();

    const ExpectedState& expected_;
    const TopicIndex& topic_;
    Report report_;
    std::vector<bool> row_seen_;  // by index into expected_.events
    std::vector<bool> deletion_seen_;
};

// Convenience for callers that hold the whole table.
Report reconcile(const ExpectedState& expected, const TopicIndex& topic,
                 std::span<const TableRow> rows, std::span<const Uuid> deletions,
                 size_t examples_max);

}  // namespace ingest::plugins::sink_validator
