// Scripted pipeline runs for the validator's tests: records with their intents and positions,
// rendered as the audit log the simulator would write, the topic the validator would read, and
// the table a correct sink would leave behind.
#pragma once

#include "audit_log.hpp"
#include "audit_log_set.hpp"
#include "expected_state.hpp"
#include "reconcile.hpp"
#include "topic_index.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ingest::plugins::sink_validator::testing {

struct Event {
    std::string id;
    std::string user = "user-1";
    std::string type = "page_view";
    std::string event_time = "2026-11-25T08:00:00.123456Z";
    std::string received_time = "2026-11-25T08:00:01.5Z";
    bool is_valid = true;
    int64_t revision = 0;

    std::string value() const;  // the contract's JSON
    Event revised(int64_t new_revision) const {
        Event next = *this;
        next.revision = new_revision;
        return next;
    }
};

// A UUID whose last digits are `n`, for readable tests.
std::string event_id(int n);

struct ScriptedRecord {
    Intent intent;
    std::optional<std::string> key;
    std::optional<std::string> value;
    int32_t partition;  // -1 when refused
    int64_t offset;
    bool confirmed;
};

class Scenario {
   public:
    Scenario& record(Intent intent, std::optional<std::string> key, std::optional<std::string> value,
                     int32_t partition, int64_t offset);
    Scenario& send(Intent intent, const Event& event, int32_t partition, int64_t offset) {
        return record(intent, event.id, event.value(), partition, offset);
    }
    Scenario& tombstone(const std::string& id, int32_t partition, int64_t offset) {
        return record(Intent::Delete, id, std::nullopt, partition, offset);
    }
    Scenario& refused(Intent intent, const Event& event);

    // Audit-log lines in the order the records were scripted, plus the completion line.
    std::vector<std::string> audit_lines(bool complete = true) const;
    // The truth of audit_lines(), finished (through an AuditLog, as the task reads a file).
    ExpectedState expected(int64_t late_threshold_us = 30'000'000, ExpectedOptions options = {}) const;
    // Every confirmed record at its offset, and a dead letter for every malformed one.
    TopicIndex topic() const;
    const std::vector<ScriptedRecord>& records() const { return records_; }

   private:
    std::vector<ScriptedRecord> records_;
};

// The finished truth of audit lines (one file, read in the order given).
ExpectedState expected_of(const std::vector<std::string>& lines, ExpectedOptions options = {});

// The table a correct sink leaves: one row per expected present event, one deletion per deleted.
std::vector<TableRow> correct_rows(const ExpectedState& expected);
std::vector<Uuid> correct_deletions(const ExpectedState& expected);
// The fields of the row the truth expects for `id` (read back from the audit lines).
EventFields expected_fields(const ExpectedState& expected, const std::string& id);
// What the truth keeps of an event's row.
EventFields fields_of(const Event& event);
uint64_t fingerprint_of(const Event& event);
// Every id the truth knows, with its state (in memory or spilled).
std::vector<ExpectedEvent> expected_events(const ExpectedState& expected);

}  // namespace ingest::plugins::sink_validator::testing
