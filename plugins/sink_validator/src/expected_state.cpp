#include "expected_state.hpp"

#include <algorithm>
#include <numeric>

namespace ingest::plugins::sink_validator {

using shared::user_events::format_uuid;

namespace {

std::string position(int32_t partition, int64_t offset) {
    return "partition " + std::to_string(partition) + " offset " + std::to_string(offset);
}

std::string subject_of(const AuditRecord& record) {
    if (record.record.kind == RecordKind::Malformed) return record.raw_key;
    return format_uuid(record.record.event_id);
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
std::string intent_disagreement(const AuditRecord& record) {
    const RecordKind kind = record.record.kind;
    RecordKind promised = RecordKind::Event;
    if (record.intent == Intent::Malformed) promised = RecordKind::Malformed;
    if (record.intent == Intent::Delete) promised = RecordKind::Tombstone;
    std::string where = " (seq " + std::to_string(record.seq) + ", " +
                        position(record.partition, record.offset) + ")";
    if (kind != promised) {
        std::string detail = "intent " + std::string(intent_name(record.intent)) +
                             " but the record is " + std::string(kind_name(kind));
        if (kind == RecordKind::Malformed) detail += ": " + record.record.problem;
        return detail + where;
    }
    if (record.intent == Intent::Invalidate && record.record.fields.is_valid)
        return "intent invalidate but is_valid is true" + where;
    return {};
}

class Derivation {
   public:
    explicit Derivation(int64_t late_threshold_us) : late_threshold_us_(late_threshold_us) {}

    void apply(const AuditRecord& record) {
        state_.carried.push_back({record.partition, record.offset, record.fingerprint, record.seq,
                                  record.key_fingerprint, record.record.kind == RecordKind::Tombstone});
        ++state_.counts.records;
        if (std::string detail = intent_disagreement(record); !detail.empty())
            state_.intent_disagreements.push_back({subject_of(record), std::move(detail)});

        switch (record.record.kind) {
            case RecordKind::Malformed: apply_malformed(record); break;
            case RecordKind::Tombstone: apply_tombstone(record); break;
            case RecordKind::Event: apply_event(record); break;
        }
    }

    ExpectedState finish() && {
        ExpectedCounts& counts = state_.counts;
        counts.events = static_cast<int64_t>(state_.events.size());
        for (const ExpectedEvent& event : state_.events) {
            if (event.deleted) {
                ++counts.deleted;
                continue;
            }
            ++counts.expected_rows;
            if (!event.fields.is_valid) ++counts.invalidated;
            if (event.late) ++counts.late_rows;
        }
        return std::move(state_);
    }

   private:
    bool is_late(const EventFields& fields) const {
        return fields.received_time_us - fields.event_time_us > late_threshold_us_;
    }

    // The expected entry of an id, created on first sight (as deleted until an event fills it).
    ExpectedEvent* lookup(const Uuid& id, bool& created) {
        auto [slot, inserted] =
            state_.index_by_id.try_emplace(id, static_cast<uint32_t>(state_.events.size()));
        created = inserted;
        if (inserted) state_.events.push_back(ExpectedEvent{id});
        return &state_.events[slot->second];
    }

    void apply_malformed(const AuditRecord& record) {
        ++state_.counts.malformed;
        state_.malformed.push_back({record.partition, record.offset, record.fingerprint, record.seq,
                                    record.raw_key, record.record.problem});
    }

    void apply_tombstone(const AuditRecord& record) {
        bool created = false;
        ExpectedEvent* event = lookup(record.record.event_id, created);
        if (!created && event->deleted) {
            ++state_.counts.duplicates;
            return;
        }
        event->deleted = true;
        event->fields = {};
        event->late = false;
        event->partition = record.partition;
        event->offset = record.offset;
        event->fingerprint = record.fingerprint;
    }

    void apply_event(const AuditRecord& record) {
        const EventFields& fields = record.record.fields;
        const bool late = is_late(fields);
        if (late) ++state_.counts.late;

        bool created = false;
        ExpectedEvent* event = lookup(record.record.event_id, created);
        if (!created && (event->deleted || fields.revision <= event->fields.revision)) {
            ++state_.counts.duplicates;
            return;
        }
        event->deleted = false;
        event->fields = fields;
        event->late = late;
        event->partition = record.partition;
        event->offset = record.offset;
        event->fingerprint = record.fingerprint;
    }

    int64_t late_threshold_us_;
    ExpectedState state_;
};

}  // namespace

ExpectedState derive_expected(std::span<const AuditRecord> confirmed, int64_t late_threshold_us) {
    std::vector<uint32_t> order(confirmed.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        const AuditRecord& left = confirmed[a];
        const AuditRecord& right = confirmed[b];
        if (left.partition != right.partition) return left.partition < right.partition;
        return left.offset < right.offset;
    });

    Derivation derivation(late_threshold_us);
    std::vector<AuditFinding> clashes;
    for (size_t i = 0; i < order.size(); ++i) {
        const AuditRecord& record = confirmed[order[i]];
        if (i > 0) {
            const AuditRecord& previous = confirmed[order[i - 1]];
            if (previous.partition == record.partition && previous.offset == record.offset) {
                clashes.push_back({position(record.partition, record.offset),
                                   "seq " + std::to_string(previous.seq) + " and seq " +
                                       std::to_string(record.seq) + " claim the same offset"});
                continue;
            }
        }
        derivation.apply(record);
    }
    ExpectedState state = std::move(derivation).finish();
    state.audit_inconsistencies = std::move(clashes);
    return state;
}

ExpectedState derive_expected(const AuditLog& log, int64_t late_threshold_us) {
    ExpectedState state =
        derive_expected(std::span<const AuditRecord>(log.confirmed()), late_threshold_us);
    state.counts.failed = log.observed().failed;
    for (std::string& problem : log.inconsistencies())
        state.audit_inconsistencies.push_back({"completion line", std::move(problem)});
    return state;
}

}  // namespace ingest::plugins::sink_validator
