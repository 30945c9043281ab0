#include "reconcile.hpp"

#include "fingerprint.hpp"
#include "shared/user_events/rfc3339.hpp"

#include <algorithm>
#include <set>

namespace ingest::plugins::sink_validator {

using shared::user_events::format_rfc3339_micros;
using shared::user_events::format_uuid;

namespace {

std::string position(int32_t partition, int64_t offset) {
    return "partition " + std::to_string(partition) + " offset " + std::to_string(offset);
}

std::string describe_row(const TableRow& row) {
    return "row holds revision " + std::to_string(row.fields.revision) + " from " +
           position(row.partition, row.offset);
}

std::string bool_text(bool value) { return value ? "true" : "false"; }

std::vector<FieldDifference> differences(const ExpectedEvent& expected, int64_t expected_offset,
                                         const TableRow& row) {
    std::vector<FieldDifference> found;
    auto check = [&](const char* field, bool same, std::string want, std::string got) {
        if (!same) found.push_back({field, std::move(want), std::move(got)});
    };
    const EventFields& want = expected.fields;
    const EventFields& got = row.fields;
    check("user_id", want.user_id == got.user_id, want.user_id, got.user_id);
    check("event_type", want.event_type == got.event_type, want.event_type, got.event_type);
    check("event_time", want.event_time_us == got.event_time_us,
          format_rfc3339_micros(want.event_time_us), format_rfc3339_micros(got.event_time_us));
    check("received_time", want.received_time_us == got.received_time_us,
          format_rfc3339_micros(want.received_time_us), format_rfc3339_micros(got.received_time_us));
    check("is_valid", want.is_valid == got.is_valid, bool_text(want.is_valid), bool_text(got.is_valid));
    check("revision", want.revision == got.revision, std::to_string(want.revision),
          std::to_string(got.revision));
    check("kafka_partition", expected.partition == row.partition, std::to_string(expected.partition),
          std::to_string(row.partition));
    check("kafka_offset", expected_offset == row.offset, std::to_string(expected_offset),
          std::to_string(row.offset));
    return found;
}

bool before(const CarriedRecord& record, std::pair<int32_t, int64_t> position) {
    return std::make_pair(record.partition, record.offset) < position;
}

}  // namespace

Reconciler::Reconciler(const ExpectedState& expected, const TopicIndex& topic, size_t examples_max,
                       bool topic_compacted)
    : expected_(expected),
      topic_(topic),
      report_(examples_max),
      row_seen_(expected.events.size(), false),
      deletion_seen_(expected.events.size(), false),
      compacted_(topic_compacted) {
    check_topic();
}

void Reconciler::add_row(const TableRow& row) {
    ++report_.counts().table_rows;
    auto found = expected_.index_by_id.find(row.event_id);
    if (found == expected_.index_by_id.end()) {
        report_.add(Discrepancy::Unexpected,
                    {format_uuid(row.event_id),
                     "no confirmed record of the audit log creates this event; " + describe_row(row),
                     {}});
        return;
    }
    const ExpectedEvent& expected = expected_.events[found->second];
    if (expected.deleted) {
        report_.add(Discrepancy::Resurrected,
                    {format_uuid(row.event_id),
                     "deleted by the tombstone at " + position(expected.partition, expected.offset) +
                         ", yet " + describe_row(row),
                     {}});
        return;
    }
    if (row_seen_[found->second]) {
        report_.add(Discrepancy::Unexpected, {format_uuid(row.event_id), "a second row", {}});
        return;
    }
    row_seen_[found->second] = true;
    ++report_.counts().present;
    compare_row(found->second, row);
}

int64_t Reconciler::expected_offset(uint32_t index) const {
    const auto copy = earliest_copy_.find(index);
    return copy == earliest_copy_.end() ? expected_.events[index].offset : copy->second;
}

void Reconciler::compare_row(uint32_t index, const TableRow& row) {
    const ExpectedEvent& expected = expected_.events[index];
    const int64_t offset = expected_offset(index);
    std::vector<FieldDifference> found = differences(expected, offset, row);
    if (found.empty()) return;
    if (compacted_ && found.size() == 1 && found.front().field == std::string_view("kafka_offset") &&
        compaction_explains_provenance(expected, row))
        return;
    std::string detail = "expected the record at " + position(expected.partition, offset);
    if (offset != expected.offset)
        detail += " (the first identical copy of the confirmed record at offset " +
                  std::to_string(expected.offset) + ")";
    report_.add(Discrepancy::Mismatched,
                {format_uuid(row.event_id), std::move(detail), std::move(found)});
}

void Reconciler::add_deletion(const Uuid& event_id) {
    ++report_.counts().deletion_rows;
    auto found = expected_.index_by_id.find(event_id);
    if (found == expected_.index_by_id.end() || !expected_.events[found->second].deleted) {
        report_.add(Discrepancy::DeletionsUnexpected,
                    {format_uuid(event_id), "no tombstone in the audit log deletes this event", {}});
        return;
    }
    deletion_seen_[found->second] = true;
}

Report Reconciler::finish() {
    for (size_t i = 0; i < expected_.events.size(); ++i) {
        const ExpectedEvent& event = expected_.events[i];
        if (!event.deleted && !row_seen_[i])
            report_.add(Discrepancy::Missing,
                        {format_uuid(event.event_id),
                         "no row; expected revision " + std::to_string(event.fields.revision) +
                             " from " + position(event.partition, event.offset),
                         {}});
        // A deletion of which nothing is left in the compacted topic may have gone before the
        // sink came to it: the sink had nothing to delete and nothing can come back.
        if (event.deleted && !deletion_seen_[i] &&
            !(compacted_ && !key_present(event.partition, key_fingerprint(format_uuid(event.event_id)))))
            report_.add(Discrepancy::DeletionsMissing,
                        {format_uuid(event.event_id),
                         "deleted at " + position(event.partition, event.offset) +
                             " but not in the deletions table",
                         {}});
    }
    check_dead_letters();
    for (const AuditFinding& finding : expected_.intent_disagreements)
        report_.add(Discrepancy::IntentDisagreements, {finding.subject, finding.detail, {}});
    for (const AuditFinding& finding : expected_.audit_inconsistencies)
        report_.add(Discrepancy::AuditInconsistencies, {finding.subject, finding.detail, {}});

    Counts& counts = report_.counts();
    const ExpectedCounts& derived = expected_.counts;
    counts.records = derived.records;
    counts.failed = derived.failed;
    counts.events = derived.events;
    counts.expected = derived.expected_rows;
    counts.invalidated = derived.invalidated;
    counts.deleted = derived.deleted;
    counts.late = derived.late;
    counts.late_rows = derived.late_rows;
    counts.duplicates = derived.duplicates;
    counts.malformed = derived.malformed;
    counts.topic_records = topic_.source_count();
    return std::move(report_);
}

void Reconciler::check_dead_letters() {
    std::set<std::pair<int32_t, int64_t>> malformed_positions;
    for (const MalformedRecord& record : expected_.malformed) {
        malformed_positions.insert({record.partition, record.offset});
        const DeadLetterEntry* entry = topic_.dead_letter_for(record.partition, record.offset);
        const std::string where = position(record.partition, record.offset);
        if (!entry && compacted_away_.contains({record.partition, record.offset})) continue;
        if (!entry) {
            report_.add(Discrepancy::DeadLettersMissing,
                        {record.key, "malformed record at " + where + " (" + record.problem +
                                         ") is not in the dead-letter topic",
                         {}});
        } else if (entry->fingerprint != record.fingerprint) {
            report_.add(Discrepancy::DeadLettersMissing,
                        {record.key, "the dead letter for " + where +
                                         " does not carry the original key and value",
                         {}});
        } else {
            ++report_.counts().dead_letters;
        }
    }
    for (const Copy& copy : malformed_copies_) {
        malformed_positions.insert({copy.partition, copy.offset});
        const DeadLetterEntry* entry = topic_.dead_letter_for(copy.partition, copy.offset);
        if (!entry || entry->fingerprint != copy.fingerprint)
            report_.add(Discrepancy::DeadLettersMissing,
                        {position(copy.partition, copy.offset),
                         std::string("an identical copy of a malformed record ") +
                             (entry ? "whose dead letter does not carry its key and value"
                                    : "is not in the dead-letter topic"),
                         {}});
    }
    for (const auto& [origin, entry] : topic_.dead_letters())
        if (!malformed_positions.contains(origin))
            report_.add(Discrepancy::DeadLettersUnexpected,
                        {position(origin.first, origin.second),
                         "dead-lettered, but the audit log holds no malformed record there", {}});
    for (const StrayDeadLetter& stray : topic_.stray_dead_letters())
        report_.add(Discrepancy::DeadLettersUnexpected,
                    {"dead-letter topic " + position(stray.partition, stray.offset),
                     stray.problem,
                     {}});
}

void Reconciler::check_topic() {
    int64_t found_in_topic = 0;
    std::vector<const CarriedRecord*> missing;
    for (const CarriedRecord& record : expected_.carried) {
        if (compacted_) {
            // carried is in offset order: the last one seen is the key's last.
            last_confirmed_[{record.partition, record.key_fingerprint}] = {record.offset, record.tombstone};
        }
        auto fingerprint = topic_.source_at(record.partition, record.offset);
        if (!fingerprint) {
            missing.push_back(&record);
            continue;
        }
        ++found_in_topic;
        if (compacted_) last_present_[{record.partition, record.key_fingerprint}] = record.offset;
        if (*fingerprint != record.fingerprint)
            report_.add(Discrepancy::TopicMismatched,
                        {position(record.partition, record.offset),
                         "the topic's key/value differ from audit seq " + std::to_string(record.seq),
                         {}});
    }
    if (found_in_topic != topic_.source_count()) check_unconfirmed_records();
    for (const CarriedRecord* record : missing) {
        if (compacted_ && compaction_explains(*record)) {
            ++report_.counts().compacted;
            compacted_away_.insert({record->partition, record->offset});
            continue;
        }
        report_.add(Discrepancy::TopicMissing,
                    {position(record->partition, record->offset),
                     "audit seq " + std::to_string(record->seq) + " is not in the topic" +
                         (compacted_ ? ", and compaction does not explain it (no later record of its key is "
                                       "in the topic, and its key's last record is no tombstone that took "
                                       "everything with it)"
                                     : ""),
                     {}});
    }
}

bool Reconciler::key_present(int32_t partition, uint64_t key) const {
    return last_present_.contains({partition, key});
}

bool Reconciler::compaction_explains(const CarriedRecord& missing) const {
    const std::pair<int32_t, uint64_t> key{missing.partition, missing.key_fingerprint};
    if (const auto present = last_present_.find(key); present != last_present_.end())
        return present->second > missing.offset;
    // Nothing of the key is left: only a tombstone, once delete.retention.ms passed, goes with
    // the records before it.
    const auto last = last_confirmed_.find(key);
    return last != last_confirmed_.end() && last->second.second;
}

bool Reconciler::compaction_explains_provenance(const ExpectedEvent& expected, const TableRow& row) const {
    if (row.partition != expected.partition) return false;
    auto identical_at = [&](int64_t offset) {
        if (topic_.source_at(row.partition, offset) == expected.fingerprint) return true;
        auto at = std::lower_bound(expected_.carried.begin(), expected_.carried.end(),
                                   std::make_pair(row.partition, offset), before);
        return at != expected_.carried.end() && at->partition == row.partition && at->offset == offset &&
               at->fingerprint == expected.fingerprint;
    };
    if (!identical_at(row.offset)) return false;
    // The sink applies the first identical record it reads: none may be left before this one.
    for (int64_t offset = 0; offset < row.offset; ++offset)
        if (topic_.source_at(row.partition, offset) == expected.fingerprint) return false;
    return true;
}

void Reconciler::check_unconfirmed_records() {
    // Some topic records have no confirmed line (carried is sorted by position): copies, or
    // records nothing explains. The lookups are built only now, when there is something to find.
    std::unordered_map<uint64_t, const CarriedRecord*> confirmed;  // fingerprint -> a confirmed record
    confirmed.reserve(expected_.carried.size());
    for (const CarriedRecord& record : expected_.carried) confirmed.try_emplace(record.fingerprint, &record);
    std::unordered_map<uint64_t, uint32_t> winners;  // deciding record's fingerprint -> event
    for (uint32_t i = 0; i < expected_.events.size(); ++i)
        if (!expected_.events[i].deleted) winners.try_emplace(expected_.events[i].fingerprint, i);
    std::unordered_set<uint64_t> malformed;
    for (const MalformedRecord& record : expected_.malformed) malformed.insert(record.fingerprint);

    topic_.for_each_source([&](int32_t partition, int64_t offset, uint64_t fingerprint) {
        auto at = std::lower_bound(expected_.carried.begin(), expected_.carried.end(),
                                   std::make_pair(partition, offset), before);
        if (at != expected_.carried.end() && at->partition == partition && at->offset == offset)
            return;
        const auto original = confirmed.find(fingerprint);
        if (original == confirmed.end()) {
            report_.add(Discrepancy::TopicUnexpected,
                        {position(partition, offset),
                         "no confirmed audit record accounts for it, and it is no copy of one", {}});
            return;
        }
        if (original->second->partition != partition) {
            report_.add(Discrepancy::TopicUnexpected,
                        {position(partition, offset),
                         "identical to a confirmed record of partition " +
                             std::to_string(original->second->partition) + ", not of this one",
                         {}});
            return;
        }
        if (compacted_) {
            int64_t& last = last_present_[{partition, original->second->key_fingerprint}];
            last = std::max(last, offset);
        }
        accept_copy({partition, offset, fingerprint}, winners, malformed);
    });
}

void Reconciler::accept_copy(const Copy& copy, const std::unordered_map<uint64_t, uint32_t>& winners,
                             const std::unordered_set<uint64_t>& malformed) {
    ++report_.counts().copies;
    if (malformed.contains(copy.fingerprint)) malformed_copies_.push_back(copy);
    const auto winner = winners.find(copy.fingerprint);
    if (winner == winners.end()) return;
    const ExpectedEvent& event = expected_.events[winner->second];
    if (event.partition != copy.partition || copy.offset >= event.offset) return;
    auto [slot, inserted] = earliest_copy_.try_emplace(winner->second, copy.offset);
    if (!inserted && copy.offset < slot->second) slot->second = copy.offset;
}

Report reconcile(const ExpectedState& expected, const TopicIndex& topic,
                 std::span<const TableRow> rows, std::span<const Uuid> deletions,
                 size_t examples_max, bool topic_compacted) {
    Reconciler reconciler(expected, topic, examples_max, topic_compacted);
    for (const TableRow& row : rows) reconciler.add_row(row);
    for (const Uuid& id : deletions) reconciler.add_deletion(id);
    return reconciler.finish();
}

}  // namespace ingest::plugins::sink_validator
