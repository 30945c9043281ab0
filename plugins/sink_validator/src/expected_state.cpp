#include "expected_state.hpp"

#include "fingerprint.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <unordered_map>

namespace ingest::plugins::sink_validator {

using shared::user_events::AuditLineParser;
using shared::user_events::AuditRecordLine;
using shared::user_events::AuditStatus;
using shared::user_events::format_uuid;
using shared::user_events::Verdict;

namespace {

std::string position_text(int32_t partition, int64_t offset) {
    return "partition " + std::to_string(partition) + " offset " + std::to_string(offset);
}

std::string_view kind_name(RecordKind kind) {
    switch (kind) {
        case RecordKind::Event: return "an event";
        case RecordKind::Tombstone: return "a tombstone";
        case RecordKind::Malformed: return "malformed";
    }
    return "?";
}

// What the intent promises about the record's kind; empty when they agree.
std::string intent_disagreement(const AuditRecordLine& line, const Verdict& verdict) {
    const RecordKind kind = verdict.kind;
    RecordKind promised = RecordKind::Event;
    if (line.intent == Intent::Malformed) promised = RecordKind::Malformed;
    if (line.intent == Intent::Delete) promised = RecordKind::Tombstone;
    const std::string where =
        " (seq " + std::to_string(line.seq) + ", " + position_text(line.partition, line.offset) + ")";
    if (kind != promised) {
        std::string detail = "intent " + std::string(intent_name(line.intent)) +
                             " but the record is " + std::string(kind_name(kind));
        if (kind == RecordKind::Malformed) detail += ": " + verdict.message();
        return detail + where;
    }
    if (line.intent == Intent::Invalidate && verdict.event.is_valid)
        return "intent invalidate but is_valid is true" + where;
    return {};
}

// The offset a record line names, read without parsing the line: a cheap filter before a full
// parse. The last "offset": of a line is its own field (keys and values are escaped JSON strings,
// in which a quote is always preceded by a backslash).
std::optional<int64_t> offset_of_line(std::string_view line) {
    constexpr std::string_view kField = "\"offset\":";
    const size_t at = line.rfind(kField);
    if (at == std::string_view::npos) return std::nullopt;
    const char* begin = line.data() + at + kField.size();
    const char* end = line.data() + line.size();
    while (begin < end && *begin == ' ') ++begin;
    int64_t offset = 0;
    const auto [next, error] = std::from_chars(begin, end, offset);
    if (error != std::errc()) return std::nullopt;
    return offset;
}

}  // namespace

RecordFacts record_facts(const Verdict& verdict, int32_t partition, int64_t offset,
                         int64_t late_threshold_us) {
    RecordFacts facts;
    facts.id = verdict.event_id;
    facts.partition = partition;
    facts.offset = offset;
    if (verdict.kind == RecordKind::Tombstone) {
        facts.flags = RecordFacts::kTombstone;
        return facts;
    }
    const shared::user_events::EventView& event = verdict.event;
    facts.revision = event.revision;
    facts.fields_fingerprint = fields_fingerprint(event.user_id, event.event_type, event.event_time_us,
                                                  event.received_time_us, event.is_valid, event.revision);
    if (!event.is_valid) facts.flags |= RecordFacts::kInvalid;
    if (event.received_time_us - event.event_time_us > late_threshold_us) facts.flags |= RecordFacts::kLate;
    return facts;
}

ExpectedState::ExpectedState(ExpectedOptions options)
    : options_(std::move(options)),
      keys_(options_.memory_budget_bytes, options_.work_directory),
      positions_(options_.keep_keys) {}

void ExpectedState::add_audit_inconsistency(AuditFinding finding) {
    if (audit_inconsistencies.size() < options_.findings_max) {
        audit_inconsistencies.push_back(std::move(finding));
    } else {
        ++audit_inconsistencies_dropped_;
    }
}

void ExpectedState::add(const AuditRecordLine& line) {
    if (line.status != AuditStatus::Confirmed) return;
    const uint64_t fingerprint = record_fingerprint(line.key, line.value);
    const Verdict& verdict = decoder_.decode(line.key, line.value);
    AuditPosition position;
    position.partition = line.partition;
    position.offset = line.offset;
    position.fingerprint = fingerprint;
    position.seq = line.seq;
    position.tombstone = verdict.kind == RecordKind::Tombstone;
    if (positions_.keeps_keys()) position.key_fingerprint = key_fingerprint(line.key);
    if (const auto earlier = positions_.add(position)) {
        add_audit_inconsistency({position_text(line.partition, line.offset),
                                 "seq " + std::to_string(*earlier) + " and seq " +
                                     std::to_string(line.seq) + " claim the same offset"});
        return;
    }
    ++counts.records;
    if (std::string detail = intent_disagreement(line, verdict); !detail.empty()) {
        if (intent_disagreements.size() < options_.findings_max) {
            std::string subject = verdict.kind == RecordKind::Malformed
                                      ? std::string(line.key.value_or(""))
                                      : format_uuid(verdict.event_id);
            intent_disagreements.push_back({std::move(subject), std::move(detail)});
        } else {
            ++intent_disagreements_dropped_;
        }
    }
    switch (verdict.kind) {
        case RecordKind::Malformed: {
            ++counts.malformed;
            MalformedRecord record{line.partition, line.offset, fingerprint, line.seq,
                                   std::string(line.key.value_or("")), verdict.message()};
            malformed_bytes_ += record.key.capacity() + record.problem.capacity();
            malformed.push_back(std::move(record));
            return;
        }
        case RecordKind::Event:
            if (verdict.event.received_time_us - verdict.event.event_time_us > options_.late_threshold_us)
                ++counts.late;
            [[fallthrough]];
        case RecordKind::Tombstone:
            ++well_formed_;
            keys_.add(record_facts(verdict, line.partition, line.offset, options_.late_threshold_us));
            return;
    }
}

void ExpectedState::finish() {
    if (keys_.finished()) return;
    keys_.finish();
    if (!keys_.disordered().empty()) rederive_disordered();
    const KeyCounts& sums = keys_.counts();
    counts.events = sums.events;
    counts.expected_rows = sums.expected_rows;
    counts.invalidated = sums.invalidated;
    counts.deleted = sums.deleted;
    counts.late_rows = sums.late_rows;
    counts.duplicates = well_formed_ - sums.changes;
}

void ExpectedState::rederive_disordered() {
    if (!replay_)
        throw std::logic_error("audit lines of " + std::to_string(keys_.disordered().size()) +
                               " event ids came out of Kafka order, and the audit log cannot be read again");
    std::unordered_map<Uuid, std::vector<RecordFacts>, shared::user_events::UuidHash> records;
    for (const auto& [id, state] : keys_.disordered()) records[id];
    AuditLineParser parser;
    EventDecoder decoder;
    replay_([&](std::string_view text) {
        AuditLineParser::Kind kind = AuditLineParser::Kind::Blank;
        try {
            kind = parser.parse(text);
        } catch (const shared::user_events::AuditLineError&) {
            return;  // the first reading reported it
        }
        if (kind != AuditLineParser::Kind::Record) return;
        const AuditRecordLine& line = parser.record();
        if (line.status != AuditStatus::Confirmed) return;
        const auto at = positions_.at(line.partition, line.offset);
        if (!at || at->seq != std::min(line.seq, AuditPositions::kSeqMax)) return;  // lost a clash
        const Verdict& verdict = decoder.decode(line.key, line.value);
        if (verdict.kind == RecordKind::Malformed) return;
        const auto found = records.find(verdict.event_id);
        if (found == records.end()) return;
        found->second.push_back(record_facts(verdict, line.partition, line.offset, options_.late_threshold_us));
    });
    for (auto& [id, facts] : records) {
        if (facts.empty()) continue;
        std::sort(facts.begin(), facts.end(), [](const RecordFacts& a, const RecordFacts& b) {
            return std::make_pair(a.partition, a.offset) < std::make_pair(b.partition, b.offset);
        });
        KeyState state = first_state(facts.front());
        for (size_t i = 1; i < facts.size(); ++i) apply(state, facts[i]);
        keys_.replace(state);
    }
}

ExpectedEvent ExpectedState::event_of(const KeyState& state) {
    ExpectedEvent event;
    event.event_id = state.id;
    event.deleted = state.deleted();
    event.is_valid = !state.deleted() && !(state.flags & KeyState::kInvalid);
    event.late = (state.flags & KeyState::kLate) != 0;
    event.revision = state.revision;
    event.fields_fingerprint = state.fields_fingerprint;
    event.partition = state.partition;
    event.offset = state.offset;
    return event;
}

std::optional<ExpectedEvent> ExpectedState::find(const Uuid& id) const {
    const std::optional<KeyState> state = keys_.find(id);
    if (!state) return std::nullopt;
    return event_of(*state);
}

std::map<Position, EventFields> ExpectedState::fields_at(const std::set<Position>& wanted) const {
    std::map<Position, EventFields> found;
    if (wanted.empty() || !replay_) return found;
    std::set<int64_t> offsets;
    for (const Position& position : wanted) offsets.insert(position.second);
    AuditLineParser parser;
    EventDecoder decoder;
    replay_([&](std::string_view text) {
        if (found.size() == wanted.size()) return;
        if (const auto offset = offset_of_line(text); offset && !offsets.contains(*offset)) return;
        AuditLineParser::Kind kind = AuditLineParser::Kind::Blank;
        try {
            kind = parser.parse(text);
        } catch (const shared::user_events::AuditLineError&) {
            return;
        }
        if (kind != AuditLineParser::Kind::Record) return;
        const AuditRecordLine& line = parser.record();
        if (line.status != AuditStatus::Confirmed) return;
        const Position position{line.partition, line.offset};
        if (!wanted.contains(position)) return;
        const auto at = positions_.at(line.partition, line.offset);
        if (!at || at->seq != std::min(line.seq, AuditPositions::kSeqMax)) return;
        const ClassifiedRecord record = classify_record(decoder, line.key, line.value);
        if (record.kind == RecordKind::Event) found[position] = record.fields;
    });
    return found;
}

size_t ExpectedState::memory_bytes() const {
    return keys_.memory_bytes() + positions_.bytes() + malformed_bytes_ +
           malformed.capacity() * sizeof(MalformedRecord);
}

}  // namespace ingest::plugins::sink_validator
