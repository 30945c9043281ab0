// The truth the pipeline must reach, derived from the audit log alone and folded line by line as
// the log is read: what was meant, in Kafka order (partition, offset), which is the order of truth
// for every event id.
//
// Rules (DESIGN.md §3): a tombstone deletes an event for good; an event record whose revision is
// newer than the expected row replaces it (or creates it); anything else changes nothing and is a
// duplicate; a malformed record must stay out of the table and land in the dead-letter topic.
//
// Nothing of a record is kept whole. Per event id: a KeyState (key_state.hpp: a fingerprint of the
// expected row's fields, the deciding record's position, the revision and flags; 56 bytes),
// in a KeyStore that spills to files beyond its memory budget. Per confirmed record: its
// fingerprint, seq and tombstone flag at its position (AuditPositions, 12 bytes; 20 with key
// fingerprints for compacted topics). Per malformed record: its key and problem, for the reports.
//
// Order. The lines of one event id are folded as they arrive; they arrive in Kafka order (one key,
// one partition, one source task, whose delivery reports, and so lines, come in offset order per
// partition). Each id's state remembers the last offset folded, so a line that arrives out of that
// order is noticed, never folded wrongly: finish() derives those ids again from all their lines,
// re-read from the audit log (the replay) and sorted.
//
// Field-level detail is read back on demand: fields_at() re-reads the audit log for the few records
// the report's examples name.
#pragma once

#include "audit_positions.hpp"
#include "event_value.hpp"
#include "key_store.hpp"
#include "shared/user_events/audit_log.hpp"
#include "shared/user_events/intent.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ingest::plugins::sink_validator {

using shared::user_events::Intent;

// The expected state of one event id, as the reports and tests read it.
struct ExpectedEvent {
    Uuid event_id;
    bool deleted = false;
    bool is_valid = false;
    bool late = false;
    int32_t revision = 0;
    uint64_t fields_fingerprint = 0;  // fields_fingerprint() of the expected row; 0 when deleted
    int32_t partition = 0;            // the record that decided this state
    int64_t offset = 0;
};

struct MalformedRecord {
    int32_t partition = 0;
    int64_t offset = 0;
    uint64_t fingerprint = 0;
    uint64_t seq = 0;
    std::string key;
    std::string problem;
};

// Something wrong with the audit log itself, found while deriving.
struct AuditFinding {
    std::string subject;  // an event id, a key, or "partition P offset O"
    std::string detail;
};

struct ExpectedCounts {
    int64_t records = 0;        // confirmed records
    int64_t failed = 0;         // records the broker refused: expected nowhere
    int64_t events = 0;         // distinct event ids among well-formed records
    int64_t expected_rows = 0;  // event ids that must be in the table
    int64_t invalidated = 0;    // expected rows with is_valid = false
    int64_t deleted = 0;        // event ids deleted by a tombstone
    int64_t late = 0;           // event records with received_time - event_time over the threshold
    int64_t late_rows = 0;      // expected rows that are late
    int64_t duplicates = 0;     // well-formed records that changed nothing
    int64_t malformed = 0;
};

struct ExpectedOptions {
    int64_t late_threshold_us = 30'000'000;  // lateness is strictly greater
    // Keep every confirmed record's key fingerprint: what the compaction rule needs.
    bool keep_keys = true;
    // Memory for the per-id states before they spill to `work_directory` (empty: the system's
    // temporary directory).
    size_t memory_budget_bytes = std::numeric_limits<size_t>::max();
    std::string work_directory;
    // Findings kept with their text (intent disagreements, audit inconsistencies); more are counted.
    size_t findings_max = 100'000;
};

// Calls on_line for every line of the audit log(s), again: for ids whose lines came out of
// order, and for the fields of the records the report's examples name.
using AuditReplay = std::function<void(const std::function<void(std::string_view line)>& on_line)>;

using Position = std::pair<int32_t, int64_t>;

class ExpectedState {
   public:
    explicit ExpectedState(ExpectedOptions options = {});
    ExpectedState(ExpectedState&&) noexcept = default;
    ExpectedState& operator=(ExpectedState&&) noexcept = default;

    // One confirmed line of the audit log, folded now.
    void add(const shared::user_events::AuditRecordLine& line);
    void set_replay(AuditReplay replay) { replay_ = std::move(replay); }
    // After the last line: derives again the ids whose lines came out of order (through the
    // replay), folds what spilled, and sums the counts. Throws std::runtime_error when a spill
    // file or the replay fails.
    void finish();
    bool finished() const { return keys_.finished(); }

    // The expected state of an id (after finish()); nullopt when no well-formed record names it.
    std::optional<ExpectedEvent> find(const Uuid& id) const;
    static ExpectedEvent event_of(const KeyState& state);

    // The decoded fields of the confirmed event records at `positions`, re-read from the audit log.
    std::map<Position, EventFields> fields_at(const std::set<Position>& positions) const;

    const KeyStore& keys() const { return keys_; }
    KeyStore& keys() { return keys_; }
    const AuditPositions& positions() const { return positions_; }
    bool keeps_keys() const { return positions_.keeps_keys(); }
    // Confirmed records seen so far: read during the run for readiness.
    int64_t malformed_records() const { return counts.malformed; }
    // Intent disagreements beyond findings_max (counted, not kept).
    int64_t intent_disagreements_dropped() const { return intent_disagreements_dropped_; }
    int64_t audit_inconsistencies_dropped() const { return audit_inconsistencies_dropped_; }
    void add_audit_inconsistency(AuditFinding finding);
    // Memory held: per-id states in memory, positions, malformed records.
    size_t memory_bytes() const;

    ExpectedCounts counts;
    std::vector<MalformedRecord> malformed;
    std::vector<AuditFinding> intent_disagreements;  // intent and record content disagree
    std::vector<AuditFinding> audit_inconsistencies;

   private:
    void rederive_disordered();

    ExpectedOptions options_;
    KeyStore keys_;
    AuditPositions positions_;
    AuditReplay replay_;
    EventDecoder decoder_;
    int64_t well_formed_ = 0;  // events and tombstones: each changed its id's state or is a duplicate
    int64_t intent_disagreements_dropped_ = 0;
    int64_t audit_inconsistencies_dropped_ = 0;
    size_t malformed_bytes_ = 0;
};

// The facts the fold needs of a well-formed record (event or tombstone) the decoder read.
RecordFacts record_facts(const shared::user_events::Verdict& verdict, int32_t partition,
                         int64_t offset, int64_t late_threshold_us);

}  // namespace ingest::plugins::sink_validator
