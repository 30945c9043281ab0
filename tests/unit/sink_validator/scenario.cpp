#include "scenario.hpp"

#include "fingerprint.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

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

ExpectedState expected_of(const std::vector<std::string>& lines, ExpectedOptions options) {
    AuditLogSet logs(1, std::move(options));
    uint64_t number = 0;
    for (const std::string& line : lines) logs.file(0).add_line(line, ++number);
    logs.expected().set_replay([lines](const std::function<void(std::string_view)>& on_line) {
        for (const std::string& line : lines) on_line(line);
    });
    logs.finish({});
    return std::move(logs.expected());
}

ExpectedState Scenario::expected(int64_t late_threshold_us, ExpectedOptions options) const {
    options.late_threshold_us = late_threshold_us;
    return expected_of(audit_lines(), std::move(options));
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

std::vector<ExpectedEvent> expected_events(const ExpectedState& expected) {
    std::vector<ExpectedEvent> events;
    const KeyStore& keys = expected.keys();
    for (size_t bucket = 0; bucket < KeyStore::kBuckets; ++bucket) {
        const KeyTable table = keys.spilled(bucket) ? keys.load(bucket) : keys.table(bucket);
        for (const KeyState& state : table.states()) events.push_back(ExpectedState::event_of(state));
    }
    return events;
}

std::vector<TableRow> correct_rows(const ExpectedState& expected) {
    const std::vector<ExpectedEvent> events = expected_events(expected);
    std::set<Position> positions;
    for (const ExpectedEvent& event : events)
        if (!event.deleted) positions.insert({event.partition, event.offset});
    const std::map<Position, EventFields> fields = expected.fields_at(positions);
    std::vector<TableRow> rows;
    for (const ExpectedEvent& event : events)
        if (!event.deleted)
            rows.push_back({event.event_id, fields.at({event.partition, event.offset}), event.partition,
                            event.offset});
    return rows;
}

std::vector<Uuid> correct_deletions(const ExpectedState& expected) {
    std::vector<Uuid> ids;
    for (const ExpectedEvent& event : expected_events(expected))
        if (event.deleted) ids.push_back(event.event_id);
    return ids;
}

EventFields expected_fields(const ExpectedState& expected, const std::string& id) {
    const auto event = expected.find(*shared::user_events::parse_uuid(id));
    if (!event) throw std::runtime_error("no expectation for " + id);
    if (event->deleted) return {};
    return expected.fields_at({{event->partition, event->offset}}).at({event->partition, event->offset});
}

EventFields fields_of(const Event& event) {
    EventDecoder decoder;
    return classify_record(decoder, event.id, event.value()).fields;
}

uint64_t fingerprint_of(const Event& event) {
    const EventFields fields = fields_of(event);
    return fields_fingerprint(fields.user_id, fields.event_type, fields.event_time_us,
                              fields.received_time_us, fields.is_valid, fields.revision);
}

}  // namespace ingest::plugins::sink_validator::testing
