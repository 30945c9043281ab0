#include "scenario.hpp"

#include "fingerprint.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>

namespace ingest::plugins::sink_validator::testing {

std::string Event::value() const {
    boost::json::object object;
    object["event_id"] = id;
    object["user_id"] = user;
    object["event_type"] = type;
    object["event_time"] = event_time;
    object["received_time"] = received_time;
    object["is_valid"] = is_valid;
    object["revision"] = revision;
    return boost::json::serialize(object);
}

std::string event_id(int n) {
    char text[40];
    std::snprintf(text, sizeof(text), "00000000-0000-4000-8000-%012d", n);
    return text;
}

Scenario& Scenario::record(Intent intent, std::optional<std::string> key,
                           std::optional<std::string> value, int32_t partition, int64_t offset) {
    records_.push_back({intent, std::move(key), std::move(value), partition, offset, true});
    return *this;
}

Scenario& Scenario::refused(Intent intent, const Event& event) {
    records_.push_back({intent, event.id, event.value(), -1, -1, false});
    return *this;
}

std::vector<std::string> Scenario::audit_lines(bool complete) const {
    std::vector<std::string> lines;
    AuditTotals totals;
    uint64_t seq = 0;
    for (const ScriptedRecord& record : records_) {
        boost::json::object line;
        line["seq"] = seq++;
        line["intent"] = intent_name(record.intent);
        line["key"] = record.key ? boost::json::value(*record.key) : boost::json::value(nullptr);
        line["value"] = record.value ? boost::json::value(*record.value) : boost::json::value(nullptr);
        line["partition"] = record.partition;
        line["offset"] = record.offset;
        line["status"] = record.confirmed ? "confirmed" : "failed";
        if (!record.confirmed) line["error"] = "Local: Message timed out";
        lines.push_back(boost::json::serialize(line));
        ++totals.records;
        ++(record.confirmed ? totals.confirmed : totals.failed);
        ++totals.by_intent[static_cast<size_t>(record.intent)];
    }
    if (complete) {
        boost::json::object counts;
        counts["records"] = totals.records;
        counts["confirmed"] = totals.confirmed;
        counts["failed"] = totals.failed;
        for (size_t i = 0; i < kIntentCount; ++i)
            counts[intent_name(static_cast<Intent>(i))] = totals.by_intent[i];
        boost::json::object line;
        line["complete"] = true;
        line["totals"] = std::move(counts);
        lines.push_back(boost::json::serialize(line));
    }
    return lines;
}

AuditLog Scenario::audit_log() const {
    AuditLog log;
    uint64_t number = 0;
    for (const std::string& line : audit_lines()) log.add_line(line, ++number);
    return log;
}

ExpectedState Scenario::expected(int64_t late_threshold_us) const {
    return derive_expected(audit_log(), late_threshold_us);
}

TopicIndex Scenario::topic() const {
    TopicIndex topic;
    EventDecoder decoder;
    int64_t dead_letter_offset = 0;
    for (const ScriptedRecord& record : records_) {
        if (!record.confirmed) continue;
        const uint64_t fingerprint = record_fingerprint(record.key, record.value);
        topic.add_source(record.partition, record.offset, fingerprint);
        if (classify_record(decoder, record.key, record.value).kind == RecordKind::Malformed)
            topic.add_dead_letter(0, dead_letter_offset++,
                                  {"user-events", record.partition, record.offset}, fingerprint);
    }
    return topic;
}

std::vector<TableRow> correct_rows(const ExpectedState& expected) {
    std::vector<TableRow> rows;
    for (const ExpectedEvent& event : expected.events)
        if (!event.deleted) rows.push_back({event.event_id, event.fields, event.partition, event.offset});
    return rows;
}

std::vector<Uuid> correct_deletions(const ExpectedState& expected) {
    std::vector<Uuid> ids;
    for (const ExpectedEvent& event : expected.events)
        if (event.deleted) ids.push_back(event.event_id);
    return ids;
}

}  // namespace ingest::plugins::sink_validator::testing
