// The validator's findings: counts per category, the first examples of every discrepancy, and the
// renderings an operator reads (one summary line, a metrics line, a JSON report).
#pragma once

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::sink_validator {

// Every kind of disagreement between audit log, topics and tables. Any of them fails the verdict.
enum class Discrepancy : uint8_t {
    Missing,               // an expected row is not in the table
    Unexpected,            // a row for an event id the audit log never made present
    Mismatched,            // an expected row with different field values
    Resurrected,           // a row for an event that was deleted
    DeletionsMissing,      // a deleted event not remembered in the deletions table
    DeletionsUnexpected,   // the deletions table remembers an event that was never deleted
    DeadLettersMissing,    // a malformed record that is not in the dead-letter topic
    DeadLettersUnexpected, // a dead letter for a record that was not malformed, or with wrong bytes
    TopicMissing,          // a confirmed audit record absent from its partition/offset
    TopicMismatched,       // the topic holds different bytes at a confirmed record's offset
    TopicUnexpected,       // the topic holds a record the audit log does not account for
    IntentDisagreements,   // the audit log's intent does not match the record's content
    AuditInconsistencies,  // the audit log contradicts itself (totals, two records at one offset)
};
inline constexpr size_t kDiscrepancyCount = 13;

std::string_view discrepancy_name(Discrepancy discrepancy);

struct FieldDifference {
    std::string field;
    std::string expected;
    std::string actual;
};

struct Example {
    // The event id for table categories, the record key for dead letters and intents,
    // "partition P offset O" for topic categories.
    std::string subject;
    std::string detail;
    std::vector<FieldDifference> fields;
};

struct Finding {
    int64_t count = 0;
    std::vector<Example> examples;
};

struct Counts {
    int64_t records = 0;      // confirmed records in the audit log
    int64_t failed = 0;       // records the broker refused (not expected anywhere)
    int64_t events = 0;       // distinct event ids
    int64_t expected = 0;     // rows expected in the table
    int64_t present = 0;      // expected rows found (with or without differences)
    int64_t invalidated = 0;  // expected rows with is_valid = false
    int64_t deleted = 0;      // events deleted
    int64_t late = 0;         // event records later than the threshold
    int64_t late_rows = 0;    // expected rows that are late
    int64_t duplicates = 0;   // records that changed nothing
    int64_t malformed = 0;    // malformed records
    int64_t dead_letters = 0; // malformed records found in the dead-letter topic
    int64_t table_rows = 0;
    int64_t deletion_rows = 0;
    int64_t topic_records = 0;
    // Topic records without an audit line that are byte-identical copies of a confirmed record in
    // the same partition: a source that restarted sent again a record whose outcome it did not
    // know (at least once). Included in topic_records.
    int64_t copies = 0;
    // Confirmed records missing from a compacted topic (source.topic.compacted) where compaction
    // explains it: a later record of the same key is in the topic, or the key's last record was a
    // tombstone and nothing of the key is left. Not in topic_records.
    int64_t compacted = 0;
};

class Report {
   public:
    explicit Report(size_t examples_max) : examples_max_(examples_max) {}

    void add(Discrepancy discrepancy, Example example);
    // Findings counted without an example (beyond what was kept of them).
    void add_count(Discrepancy discrepancy, int64_t count) {
        findings_[static_cast<size_t>(discrepancy)].count += count;
    }
    // A kept example, to complete it (nullptr when there is no such example).
    Example* example(Discrepancy discrepancy, size_t index) {
        auto& examples = findings_[static_cast<size_t>(discrepancy)].examples;
        return index < examples.size() ? &examples[index] : nullptr;
    }
    const Finding& finding(Discrepancy discrepancy) const {
        return findings_[static_cast<size_t>(discrepancy)];
    }

    // A verdict forced by the deadline: what was still missing when it passed.
    void set_waiting_for(std::vector<std::string> missing, int64_t waited_ms);
    const std::vector<std::string>& waiting_for() const { return waiting_for_; }
    // A verdict forced by bad input (e.g. an unreadable audit log line): why no comparison ran.
    void set_aborted(std::string reason) { aborted_ = std::move(reason); }

    Counts& counts() { return counts_; }
    const Counts& counts() const { return counts_; }

    bool passed() const;
    // Rows landed over rows expected; 1 when nothing was expected.
    double ingestion_success() const;

    // One line saying what was compared and found. It does not repeat the verdict (passed(),
    // the JSON report's "verdict"): whoever prints it puts "PASS"/"FAIL" in front once.
    std::string summary() const;
    // The seed's metrics in one line, for the end of every run.
    std::string metrics_line() const;
    boost::json::object to_json() const;

   private:
    size_t examples_max_;
    Counts counts_;
    std::array<Finding, kDiscrepancyCount> findings_;
    std::vector<std::string> waiting_for_;
    int64_t waited_ms_ = 0;
    std::string aborted_;
};

}  // namespace ingest::plugins::sink_validator
