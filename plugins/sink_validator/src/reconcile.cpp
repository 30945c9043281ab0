#include "reconcile.hpp"

#include "fingerprint.hpp"
#include "spill_file.hpp"
#include "shared/user_events/rfc3339.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

namespace ingest::plugins::sink_validator {

using shared::user_events::format_rfc3339_micros;
using shared::user_events::format_uuid;

namespace {

constexpr uint8_t kRowSeen = 1;
constexpr uint8_t kDeletionSeen = 2;
constexpr size_t kSpillBufferBytes = 64 * 1024;

std::string position(int32_t partition, int64_t offset) {
    return "partition " + std::to_string(partition) + " offset " + std::to_string(offset);
}

std::string describe_row(const TableRow& row) {
    return "row holds revision " + std::to_string(row.fields.revision) + " from " +
           position(row.partition, row.offset);
}

std::string bool_text(bool value) { return value ? "true" : "false"; }

uint64_t row_fingerprint(const EventFields& fields) {
    return fields_fingerprint(fields.user_id, fields.event_type, fields.event_time_us,
                              fields.received_time_us, fields.is_valid, fields.revision);
}

// The fields that come from the record, as the report lists them (provenance comes after).
std::vector<FieldDifference> field_differences(const EventFields& want, const EventFields& got) {
    std::vector<FieldDifference> found;
    auto check = [&](const char* field, bool same, std::string expected, std::string actual) {
        if (!same) found.push_back({field, std::move(expected), std::move(actual)});
    };
    check("user_id", want.user_id == got.user_id, want.user_id, got.user_id);
    check("event_type", want.event_type == got.event_type, want.event_type, got.event_type);
    check("event_time", want.event_time_us == got.event_time_us,
          format_rfc3339_micros(want.event_time_us), format_rfc3339_micros(got.event_time_us));
    check("received_time", want.received_time_us == got.received_time_us,
          format_rfc3339_micros(want.received_time_us), format_rfc3339_micros(got.received_time_us));
    check("is_valid", want.is_valid == got.is_valid, bool_text(want.is_valid), bool_text(got.is_valid));
    check("revision", want.revision == got.revision, std::to_string(want.revision),
          std::to_string(got.revision));
    return found;
}

// A spilled row: this header, then user_id and event_type.
struct RowHeader {
    Uuid event_id;
    int64_t event_time_us = 0;
    int64_t received_time_us = 0;
    int64_t revision = 0;
    int64_t offset = 0;
    int32_t partition = 0;
    uint32_t user_id_size = 0;
    uint32_t event_type_size = 0;
    uint8_t is_valid = 0;
};

}  // namespace

Reconciler::Reconciler(const ExpectedState& expected, const TopicIndex& topic, size_t examples_max,
                       bool topic_compacted)
    : expected_(expected),
      keys_(expected.keys()),
      topic_(topic),
      examples_max_(examples_max),
      report_(examples_max),
      marks_(KeyStore::kBuckets),
      row_buffers_(KeyStore::kBuckets),
      deletion_buffers_(KeyStore::kBuckets),
      compacted_(topic_compacted) {
    if (!expected.finished()) throw std::logic_error("the expected state is not finished");
    for (size_t bucket = 0; bucket < KeyStore::kBuckets; ++bucket)
        if (!keys_.spilled(bucket)) marks_[bucket].seen.assign(keys_.table(bucket).size(), 0);
    check_topic();
}

Reconciler::~Reconciler() {
    for (const std::string& path : spill_files_) {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
}

std::string Reconciler::spill_file(size_t bucket, const char* kind) const {
    return keys_.directory() + "/compare-" + std::to_string(bucket) + "." + kind;
}

void Reconciler::add_row(const TableRow& row) {
    ++report_.counts().table_rows;
    const uint64_t hash = id_hash(row.event_id);
    const size_t bucket = KeyStore::bucket_of(hash);
    if (keys_.spilled(bucket)) {
        spill_row(bucket, row);
        return;
    }
    compare(keys_.table(bucket), marks_[bucket], row, hash);
}

void Reconciler::add_deletion(const Uuid& event_id) {
    ++report_.counts().deletion_rows;
    const uint64_t hash = id_hash(event_id);
    const size_t bucket = KeyStore::bucket_of(hash);
    if (keys_.spilled(bucket)) {
        spill_deletion(bucket, event_id);
        return;
    }
    compare_deletion(keys_.table(bucket), marks_[bucket], event_id, hash);
}

void Reconciler::spill_row(size_t bucket, const TableRow& row) {
    std::vector<char>& buffer = row_buffers_[bucket];
    RowHeader header;
    header.event_id = row.event_id;
    header.event_time_us = row.fields.event_time_us;
    header.received_time_us = row.fields.received_time_us;
    header.revision = row.fields.revision;
    header.offset = row.offset;
    header.partition = row.partition;
    header.user_id_size = static_cast<uint32_t>(row.fields.user_id.size());
    header.event_type_size = static_cast<uint32_t>(row.fields.event_type.size());
    header.is_valid = row.fields.is_valid ? 1 : 0;
    append_raw(buffer, header);
    buffer.insert(buffer.end(), row.fields.user_id.begin(), row.fields.user_id.end());
    buffer.insert(buffer.end(), row.fields.event_type.begin(), row.fields.event_type.end());
    if (buffer.size() >= kSpillBufferBytes) {
        const std::string path = spill_file(bucket, "rows");
        if (std::find(spill_files_.begin(), spill_files_.end(), path) == spill_files_.end())
            spill_files_.push_back(path);
        write_all(path, buffer.data(), buffer.size(), true);
        buffer.clear();
    }
}

void Reconciler::spill_deletion(size_t bucket, const Uuid& id) {
    std::vector<char>& buffer = deletion_buffers_[bucket];
    append_raw(buffer, id);
    if (buffer.size() >= kSpillBufferBytes) {
        const std::string path = spill_file(bucket, "deletions");
        if (std::find(spill_files_.begin(), spill_files_.end(), path) == spill_files_.end())
            spill_files_.push_back(path);
        write_all(path, buffer.data(), buffer.size(), true);
        buffer.clear();
    }
}

void Reconciler::compare(const KeyTable& table, Marks& marks, const TableRow& row, uint64_t hash) {
    const uint32_t index = table.find(row.event_id, hash);
    if (index == KeyTable::kNone) {
        report_.add(Discrepancy::Unexpected,
                    {format_uuid(row.event_id),
                     "no confirmed record of the audit log creates this event; " + describe_row(row),
                     {}});
        return;
    }
    const KeyState& state = table.at(index);
    if (state.deleted()) {
        report_.add(Discrepancy::Resurrected,
                    {format_uuid(row.event_id),
                     "deleted by the tombstone at " + position(state.partition, state.offset) +
                         ", yet " + describe_row(row),
                     {}});
        return;
    }
    if (marks.seen[index] & kRowSeen) {
        report_.add(Discrepancy::Unexpected, {format_uuid(row.event_id), "a second row", {}});
        return;
    }
    marks.seen[index] |= kRowSeen;
    ++report_.counts().present;
    compare_row(state, row);
}

void Reconciler::compare_deletion(const KeyTable& table, Marks& marks, const Uuid& id, uint64_t hash) {
    const uint32_t index = table.find(id, hash);
    if (index == KeyTable::kNone || !table.at(index).deleted()) {
        report_.add(Discrepancy::DeletionsUnexpected,
                    {format_uuid(id), "no tombstone in the audit log deletes this event", {}});
        return;
    }
    marks.seen[index] |= kDeletionSeen;
}

int64_t Reconciler::expected_offset(const KeyState& state) const {
    const auto copy = earliest_copy_.find({state.partition, state.offset});
    return copy == earliest_copy_.end() ? state.offset : copy->second;
}

void Reconciler::compare_row(const KeyState& state, const TableRow& row) {
    const int64_t offset = expected_offset(state);
    const bool fields_differ = row_fingerprint(row.fields) != state.fields_fingerprint;
    const bool partition_differs = row.partition != state.partition;
    const bool offset_differs = row.offset != offset;
    if (!fields_differ && !partition_differs && !offset_differs) return;
    if (compacted_ && !fields_differ && !partition_differs && compaction_explains_provenance(state, row))
        return;
    std::string detail = "expected the record at " + position(state.partition, offset);
    if (offset != state.offset)
        detail += " (the first identical copy of the confirmed record at offset " +
                  std::to_string(state.offset) + ")";
    std::vector<FieldDifference> provenance;
    if (partition_differs)
        provenance.push_back({"kafka_partition", std::to_string(state.partition), std::to_string(row.partition)});
    if (offset_differs)
        provenance.push_back({"kafka_offset", std::to_string(offset), std::to_string(row.offset)});
    const size_t kept = report_.finding(Discrepancy::Mismatched).examples.size();
    if (fields_differ && kept < examples_max_)
        pending_fields_.push_back({kept, {state.partition, state.offset}, row.fields});
    report_.add(Discrepancy::Mismatched, {format_uuid(row.event_id), std::move(detail), std::move(provenance)});
}

void Reconciler::check_missing(const KeyTable& table, const Marks& marks) {
    for (uint32_t index = 0; index < table.size(); ++index) {
        const KeyState& state = table.at(index);
        const uint8_t seen = marks.seen[index];
        if (!state.deleted() && !(seen & kRowSeen))
            report_.add(Discrepancy::Missing,
                        {format_uuid(state.id),
                         "no row; expected revision " + std::to_string(state.revision) + " from " +
                             position(state.partition, state.offset),
                         {}});
        // A deletion of which nothing is left in the compacted topic may have gone before the
        // sink came to it: the sink had nothing to delete and nothing can come back.
        if (state.deleted() && !(seen & kDeletionSeen) &&
            !(compacted_ && !key_present(state.partition, key_fingerprint(format_uuid(state.id)))))
            report_.add(Discrepancy::DeletionsMissing,
                        {format_uuid(state.id),
                         "deleted at " + position(state.partition, state.offset) +
                             " but not in the deletions table",
                         {}});
    }
}

void Reconciler::finish_spilled_bucket(size_t bucket) {
    const KeyTable table = keys_.load(bucket);
    Marks marks;
    marks.seen.assign(table.size(), 0);
    const std::string rows_path = spill_file(bucket, "rows");
    const std::string deletions_path = spill_file(bucket, "deletions");
    if (!row_buffers_[bucket].empty()) {
        write_all(rows_path, row_buffers_[bucket].data(), row_buffers_[bucket].size(), true);
        row_buffers_[bucket] = std::vector<char>();  // frees it (`= {}` would not)
        spill_files_.push_back(rows_path);
    }
    if (!deletion_buffers_[bucket].empty()) {
        write_all(deletions_path, deletion_buffers_[bucket].data(), deletion_buffers_[bucket].size(), true);
        deletion_buffers_[bucket] = std::vector<char>();
        spill_files_.push_back(deletions_path);
    }
    {
        SpillReader reader(rows_path);
        RowHeader header;
        TableRow row;
        while (reader.read(&header, sizeof header)) {
            row.event_id = header.event_id;
            row.fields.user_id.resize(header.user_id_size);
            row.fields.event_type.resize(header.event_type_size);
            if (header.user_id_size > 0 && !reader.read(row.fields.user_id.data(), header.user_id_size))
                throw SpillError("spill file " + rows_path + ": ends inside a row");
            if (header.event_type_size > 0 &&
                !reader.read(row.fields.event_type.data(), header.event_type_size))
                throw SpillError("spill file " + rows_path + ": ends inside a row");
            row.fields.event_time_us = header.event_time_us;
            row.fields.received_time_us = header.received_time_us;
            row.fields.revision = header.revision;
            row.fields.is_valid = header.is_valid != 0;
            row.partition = header.partition;
            row.offset = header.offset;
            compare(table, marks, row, id_hash(row.event_id));
        }
    }
    for_each_raw<Uuid>(deletions_path,
                       [&](const Uuid& id) { compare_deletion(table, marks, id, id_hash(id)); });
    check_missing(table, marks);
    std::error_code ignored;
    std::filesystem::remove(rows_path, ignored);
    std::filesystem::remove(deletions_path, ignored);
}

Report Reconciler::finish() {
    for (size_t bucket = 0; bucket < KeyStore::kBuckets; ++bucket) {
        if (keys_.spilled(bucket)) {
            finish_spilled_bucket(bucket);
        } else {
            check_missing(keys_.table(bucket), marks_[bucket]);
        }
    }
    fill_in_fields();
    check_dead_letters();
    for (const AuditFinding& finding : expected_.intent_disagreements)
        report_.add(Discrepancy::IntentDisagreements, {finding.subject, finding.detail, {}});
    report_.add_count(Discrepancy::IntentDisagreements, expected_.intent_disagreements_dropped());
    for (const AuditFinding& finding : expected_.audit_inconsistencies)
        report_.add(Discrepancy::AuditInconsistencies, {finding.subject, finding.detail, {}});
    report_.add_count(Discrepancy::AuditInconsistencies, expected_.audit_inconsistencies_dropped());

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

void Reconciler::fill_in_fields() {
    if (pending_fields_.empty()) return;
    std::set<Position> wanted;
    for (const PendingFields& pending : pending_fields_) wanted.insert(pending.decided);
    const std::map<Position, EventFields> fields = expected_.fields_at(wanted);
    for (const PendingFields& pending : pending_fields_) {
        Example* example = report_.example(Discrepancy::Mismatched, pending.example);
        if (!example) continue;
        std::vector<FieldDifference> differences;
        if (const auto found = fields.find(pending.decided); found != fields.end()) {
            differences = field_differences(found->second, pending.actual);
        } else {
            differences.push_back({"fields", "those of the audit record (it could not be read again)",
                                   "other values"});
        }
        differences.insert(differences.end(), example->fields.begin(), example->fields.end());
        example->fields = std::move(differences);
    }
}

void Reconciler::check_dead_letters() {
    std::set<Position> malformed_positions;
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
    std::vector<AuditPosition> missing;
    expected_.positions().for_each([&](const AuditPosition& record) {
        const auto fingerprint = topic_.source_at(record.partition, record.offset);
        if (!fingerprint) {
            missing.push_back(record);
            return;
        }
        ++present_in_topic_;
        if (*fingerprint != record.fingerprint)
            report_.add(Discrepancy::TopicMismatched,
                        {position(record.partition, record.offset),
                         "the topic's key/value differ from audit seq " + std::to_string(record.seq),
                         {}});
    });
    if (present_in_topic_ != topic_.source_count()) check_unconfirmed_records();
    for (const AuditPosition& record : missing) {
        if (compacted_ && compaction_explains(record)) {
            ++report_.counts().compacted;
            compacted_away_.insert({record.partition, record.offset});
            continue;
        }
        report_.add(Discrepancy::TopicMissing,
                    {position(record.partition, record.offset),
                     "audit seq " + std::to_string(record.seq) + " is not in the topic" +
                         (compacted_ ? ", and compaction does not explain it (no later record of its key is "
                                       "in the topic, and its key's last record is no tombstone that took "
                                       "everything with it)"
                                     : ""),
                     {}});
    }
}

void Reconciler::index_keys() const {
    if (keys_indexed_) return;
    keys_indexed_ = true;
    // In offset order: the last one seen is the key's last.
    expected_.positions().for_each([&](const AuditPosition& record) {
        const std::pair<int32_t, uint64_t> key{record.partition, record.key_fingerprint};
        last_confirmed_[key] = {record.offset, record.tombstone};
        if (topic_.source_at(record.partition, record.offset)) last_present_[key] = record.offset;
    });
    for (const Copy& copy : copies_) {
        // Copy::fingerprint holds the key's fingerprint here.
        int64_t& last = last_present_[{copy.partition, copy.fingerprint}];
        last = std::max(last, copy.offset);
    }
}

bool Reconciler::key_present(int32_t partition, uint64_t key) const {
    index_keys();
    return last_present_.contains({partition, key});
}

bool Reconciler::compaction_explains(const AuditPosition& missing) const {
    index_keys();
    const std::pair<int32_t, uint64_t> key{missing.partition, missing.key_fingerprint};
    if (const auto present = last_present_.find(key); present != last_present_.end())
        return present->second > missing.offset;
    // Nothing of the key is left: only a tombstone, once delete.retention.ms passed, goes with
    // the records before it.
    const auto last = last_confirmed_.find(key);
    return last != last_confirmed_.end() && last->second.second;
}

bool Reconciler::compaction_explains_provenance(const KeyState& state, const TableRow& row) const {
    if (row.partition != state.partition) return false;
    const auto decided = expected_.positions().at(state.partition, state.offset);
    if (!decided) return false;
    const uint64_t fingerprint = decided->fingerprint;
    auto identical_at = [&](int64_t offset) {
        if (topic_.source_at(row.partition, offset) == fingerprint) return true;
        const auto confirmed = expected_.positions().at(row.partition, offset);
        return confirmed && confirmed->fingerprint == fingerprint;
    };
    if (!identical_at(row.offset)) return false;
    // The sink applies the first identical record it reads: none may be left before this one.
    for (int64_t offset = 0; offset < row.offset; ++offset)
        if (topic_.source_at(row.partition, offset) == fingerprint) return false;
    return true;
}

void Reconciler::check_unconfirmed_records() {
    // Some topic records have no confirmed line: copies, or records nothing explains. The lookups
    // are built only now, when there is something to find.
    std::unordered_map<uint64_t, AuditPosition> confirmed;  // fingerprint -> its first confirmed record
    confirmed.reserve(expected_.positions().size());
    expected_.positions().for_each(
        [&](const AuditPosition& record) { confirmed.try_emplace(record.fingerprint, record); });
    std::unordered_set<uint64_t> malformed;
    for (const MalformedRecord& record : expected_.malformed) malformed.insert(record.fingerprint);

    topic_.for_each_source([&](int32_t partition, int64_t offset, uint64_t fingerprint) {
        if (expected_.positions().at(partition, offset)) return;
        const auto original = confirmed.find(fingerprint);
        if (original == confirmed.end()) {
            report_.add(Discrepancy::TopicUnexpected,
                        {position(partition, offset),
                         "no confirmed audit record accounts for it, and it is no copy of one", {}});
            return;
        }
        const AuditPosition& first = original->second;
        if (first.partition != partition) {
            report_.add(Discrepancy::TopicUnexpected,
                        {position(partition, offset),
                         "identical to a confirmed record of partition " +
                             std::to_string(first.partition) + ", not of this one",
                         {}});
            return;
        }
        ++report_.counts().copies;
        if (compacted_) copies_.push_back({partition, offset, first.key_fingerprint});
        if (malformed.contains(fingerprint)) malformed_copies_.push_back({partition, offset, fingerprint});
        // A row decided by the first confirmed record of these bytes must name this copy when it
        // came before (a later identical confirmed record never decides a row: it is a duplicate).
        if (offset < first.offset) {
            auto [slot, inserted] = earliest_copy_.try_emplace({first.partition, first.offset}, offset);
            if (!inserted && offset < slot->second) slot->second = offset;
        }
    });
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
