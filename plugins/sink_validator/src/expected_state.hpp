// The final state the pipeline must reach, derived from the audit log alone: what was meant, read
// in Kafka order (partition, offset), which is the order of truth for every event id.
//
// Rules (DESIGN.md §3): a tombstone deletes an event for good; an event record whose revision is
// newer than the expected row replaces it (or creates it); anything else changes nothing and is a
// duplicate; a malformed record must stay out of the table and land in the dead-letter topic.
#pragma once

#include "audit_log.hpp"
#include "event_value.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace ingest::plugins::sink_validator {

struct ExpectedEvent {
    Uuid event_id;
    bool deleted = false;
    EventFields fields;     // the row the table must hold, unless deleted
    int32_t partition = 0;  // the record that decided this state
    int64_t offset = 0;
    uint64_t fingerprint = 0;  // of that record's key and value
    bool late = false;
};

// A confirmed record, as the topic must carry it.
struct CarriedRecord {
    int32_t partition = 0;
    int64_t offset = 0;
    uint64_t fingerprint = 0;
    uint64_t seq = 0;
    uint64_t key_fingerprint = 0;
    bool tombstone = false;
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

struct ExpectedState {
    std::vector<ExpectedEvent> events;
    std::unordered_map<Uuid, uint32_t, UuidHash> index_by_id;
    std::vector<CarriedRecord> carried;  // sorted by (partition, offset)
    std::vector<MalformedRecord> malformed;
    std::vector<AuditFinding> intent_disagreements;  // intent and record content disagree
    std::vector<AuditFinding> audit_inconsistencies;
    ExpectedCounts counts;

    const ExpectedEvent* find(const Uuid& id) const {
        auto found = index_by_id.find(id);
        return found == index_by_id.end() ? nullptr : &events[found->second];
    }
};

// `confirmed` in any order. Lateness is strictly greater than `late_threshold_us`.
ExpectedState derive_expected(std::span<const AuditRecord> confirmed, int64_t late_threshold_us);

// The whole log: its confirmed records, plus what the log says about itself (refused records,
// completion totals that disagree with its lines).
ExpectedState derive_expected(const AuditLog& log, int64_t late_threshold_us);

}  // namespace ingest::plugins::sink_validator
