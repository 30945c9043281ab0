#include "report.hpp"

#include <boost/json/array.hpp>

#include <cstdio>
#include <utility>
#include <vector>

namespace ingest::plugins::sink_validator {
namespace {

constexpr std::array<std::string_view, kDiscrepancyCount> kNames = {
    "missing",
    "unexpected",
    "mismatched",
    "resurrected",
    "deletions_missing",
    "deletions_unexpected",
    "dead_letters_missing",
    "dead_letters_unexpected",
    "topic_missing",
    "topic_mismatched",
    "topic_unexpected",
    "intent_disagreements",
    "audit_inconsistencies",
};

// What an example's subject is, per category, as the JSON report names it.
constexpr std::array<std::string_view, kDiscrepancyCount> kSubjectLabels = {
    "event_id", "event_id", "event_id", "event_id", "event_id", "event_id", "key",
    "position", "position", "position", "position", "key",      "subject",
};

std::string percent(double ratio) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.2f%%", ratio * 100.0);
    return buffer;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string joined;
    for (const std::string& part : parts) {
        if (!joined.empty()) joined += separator;
        joined += part;
    }
    return joined;
}

boost::json::object example_json(std::string_view subject_label, const Example& example) {
    boost::json::object object;
    object[subject_label] = example.subject;
    if (!example.detail.empty()) object["detail"] = example.detail;
    if (!example.fields.empty()) {
        boost::json::object fields;
        for (const FieldDifference& difference : example.fields)
            fields[difference.field] = {{"expected", difference.expected},
                                        {"actual", difference.actual}};
        object["fields"] = std::move(fields);
    }
    return object;
}

// The seed's metrics as both the log line and the JSON report name them (ingestion success, a
// ratio, is added by each).
std::vector<std::pair<const char*, int64_t>> seed_metrics(const Counts& c) {
    return {{"total_events", c.records},        {"invalidated", c.invalidated},
            {"late_arrivals", c.late},          {"deletions", c.deleted},
            {"duplicates_ignored", c.duplicates}, {"dead_letters", c.dead_letters}};
}

}  // namespace

std::string_view discrepancy_name(Discrepancy discrepancy) {
    return kNames[static_cast<size_t>(discrepancy)];
}

void Report::add(Discrepancy discrepancy, Example example) {
    Finding& finding = findings_[static_cast<size_t>(discrepancy)];
    ++finding.count;
    if (finding.examples.size() < examples_max_) finding.examples.push_back(std::move(example));
}

void Report::set_waiting_for(std::vector<std::string> missing, int64_t waited_ms) {
    waiting_for_ = std::move(missing);
    waited_ms_ = waited_ms;
}

bool Report::passed() const {
    if (!waiting_for_.empty() || !aborted_.empty()) return false;
    for (const Finding& finding : findings_)
        if (finding.count != 0) return false;
    return true;
}

double Report::ingestion_success() const {
    if (counts_.expected == 0) return 1.0;
    return static_cast<double>(counts_.present) / static_cast<double>(counts_.expected);
}

std::string Report::summary() const {
    const Counts& c = counts_;
    if (!aborted_.empty()) return aborted_;
    if (!waiting_for_.empty())
        return "no verdict possible within " + std::to_string(waited_ms_) +
               " ms, still missing: " + join(waiting_for_, "; ") + " (" +
               std::to_string(c.records) + " audit records read)";

    std::string line = std::to_string(c.records) + " records, " + std::to_string(c.expected) + " rows expected";
    line += c.present == c.expected ? " = present" : ", " + std::to_string(c.present) + " present";
    line += ", " + std::to_string(finding(Discrepancy::Missing).count) + " missing, " +
            std::to_string(finding(Discrepancy::Unexpected).count) + " unexpected, " +
            std::to_string(finding(Discrepancy::Mismatched).count) + " mismatched";
    line += "; invalidated " + std::to_string(c.invalidated) + ", deleted " +
            std::to_string(c.deleted) + ", late " + std::to_string(c.late) + ", duplicates " +
            std::to_string(c.duplicates) + ", dead letters " + std::to_string(c.dead_letters);
    if (c.copies > 0) line += "; " + std::to_string(c.copies) + " identical copies in the topic";
    if (c.compacted > 0) line += "; " + std::to_string(c.compacted) + " records compacted away";
    std::vector<std::string> failing;
    for (size_t i = 0; i < kDiscrepancyCount; ++i)
        if (findings_[i].count != 0)
            failing.push_back(std::string(kNames[i]) + " " + std::to_string(findings_[i].count));
    if (!failing.empty()) line += "; failing: " + join(failing, ", ");
    return line;
}

std::string Report::metrics_line() const {
    std::string line = "seed metrics:";
    for (const auto& [name, value] : seed_metrics(counts_)) line += " " + std::string(name) + "=" + std::to_string(value);
    return line + " ingestion_success=" + percent(ingestion_success()) + " (" + std::to_string(counts_.present) +
           "/" + std::to_string(counts_.expected) + " rows)";
}

boost::json::object Report::to_json() const {
    const Counts& c = counts_;
    boost::json::object report;
    report["verdict"] = passed() ? "PASS" : "FAIL";
    report["summary"] = summary();

    boost::json::object counts;
    counts["records"] = c.records;
    counts["failed"] = c.failed;
    counts["events"] = c.events;
    counts["expected"] = c.expected;
    counts["present"] = c.present;
    counts["invalidated"] = c.invalidated;
    counts["deleted"] = c.deleted;
    counts["late"] = c.late;
    counts["late_rows"] = c.late_rows;
    counts["duplicates"] = c.duplicates;
    counts["malformed"] = c.malformed;
    counts["dead_letters"] = c.dead_letters;
    counts["table_rows"] = c.table_rows;
    counts["deletion_rows"] = c.deletion_rows;
    counts["topic_records"] = c.topic_records;
    counts["copies"] = c.copies;
    counts["compacted"] = c.compacted;
    for (size_t i = 0; i < kDiscrepancyCount; ++i) counts[kNames[i]] = findings_[i].count;
    report["counts"] = std::move(counts);

    boost::json::object metrics;
    for (const auto& [name, value] : seed_metrics(c)) metrics[name] = value;
    metrics["ingestion_success"] = ingestion_success();
    report["metrics"] = std::move(metrics);

    boost::json::object discrepancies;
    for (size_t i = 0; i < kDiscrepancyCount; ++i) {
        boost::json::array examples;
        for (const Example& example : findings_[i].examples)
            examples.push_back(example_json(kSubjectLabels[i], example));
        discrepancies[kNames[i]] = {{"count", findings_[i].count}, {"examples", std::move(examples)}};
    }
    report["discrepancies"] = std::move(discrepancies);

    if (!aborted_.empty()) report["aborted"] = aborted_;
    if (!waiting_for_.empty()) {
        boost::json::array waiting;
        for (const std::string& item : waiting_for_) waiting.push_back(boost::json::string(item));
        report["waiting_for"] = std::move(waiting);
        report["waited_ms"] = waited_ms_;
    }
    return report;
}

}  // namespace ingest::plugins::sink_validator
