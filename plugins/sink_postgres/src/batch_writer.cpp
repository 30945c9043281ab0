#include "batch_writer.hpp"

#include "lock_key.hpp"
#include "shared/pg/binary_copy.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace ingest::plugins::sink_postgres {

using shared::pg::BinaryArray;
using shared::pg::BinaryWriter;
using shared::pg::copy_binary_header;
using shared::pg::copy_binary_row_start;
using shared::pg::copy_binary_trailer;
using shared::pg::read_big_endian;
namespace pg_oid = shared::pg::pg_oid;

namespace {

// Statement names, prepared once per connection.
constexpr const char* kLockPartition = "sink_lock_partition";
constexpr const char* kReadOffset = "sink_read_offset";
constexpr const char* kClaimPartition = "sink_claim_partition";
constexpr const char* kSaveOffset = "sink_save_offset";
constexpr const char* kForgetOffset = "sink_forget_offset";
constexpr const char* kLookup = "sink_lookup";
constexpr const char* kMarkDeleted = "sink_mark_deleted";
constexpr const char* kDeleteRows = "sink_delete_rows";
constexpr const char* kUpdateRows = "sink_update_rows";
constexpr const char* kUpdateKeys = "sink_update_keys";
constexpr const char* kDeleteKeys = "sink_delete_keys";

std::string lock_text(const std::string& events_table, const PartitionBatch& partition) {
    return "ingest.sink_postgres.partition|" + events_table + "|" + partition.topic + "|" +
           std::to_string(partition.partition);
}

std::string fenced_text(const std::string& topic, int32_t partition, int64_t stored_epoch, int64_t own_epoch) {
    const std::string where = topic + "-" + std::to_string(partition);
    const std::string epochs = stored_epoch > own_epoch
                                   ? "claimed by a newer task (epoch " + std::to_string(stored_epoch) + " > mine " +
                                         std::to_string(own_epoch) + ")"
                                   : "no longer claimed by this task (stored epoch " + std::to_string(stored_epoch) +
                                         (stored_epoch == 0 ? ": its offsets row was deleted" : "") + ", mine " +
                                         std::to_string(own_epoch) + ")";
    return "fenced: partition " + where + " was " + epochs +
           ": this task lost its assignment (a zombie) and wrote nothing of its batch; the partition's owner "
           "writes those records";
}

// The (next_offset, epoch) row of read_offset and claim_partition.
StoredPartition stored_partition(const PgResult& result) {
    StoredPartition stored;
    if (PQntuples(result.get()) == 0) return stored;
    if (!PQgetisnull(result.get(), 0, 0)) stored.next_offset = std::stoll(PQgetvalue(result.get(), 0, 0));
    stored.epoch = std::stoll(PQgetvalue(result.get(), 0, 1));
    return stored;
}

}  // namespace

Fenced::Fenced(std::string topic, int32_t partition, int64_t stored_epoch, int64_t own_epoch)
    : sdk::FatalError(fenced_text(topic, partition, stored_epoch, own_epoch)),
      topic_(std::move(topic)),
      partition_(partition),
      stored_epoch_(stored_epoch),
      own_epoch_(own_epoch) {}

BatchWriter::BatchWriter(TableNames names, std::string connector)
    : names_(std::move(names)), connector_(std::move(connector)) {}

void BatchWriter::attach(PgConnection& conn) {
    conn_ = &conn;
    step_ = WriteStep::Preparing;
    // Generic plans: custom plans re-estimated a 5000-element array per batch (milliseconds of
    // planning each time) and could pick a sequential scan for the lookups.
    conn.run("SET plan_cache_mode = force_generic_plan");
    // Every statement planned here finds rows by primary key. A generic plan guesses an array
    // parameter at 10 elements, so once autoanalyze had seen a small deletions table it chose a
    // sequential scan that compares each row with every element of a 20000-key array: the
    // server's CPU per batch tripled and the pipeline ran at a third of its speed (issue 13).
    conn.run("SET enable_seqscan = off");
    tables_ = std::make_unique<QuotedTables>(conn.raw(), names_);
    sql_ = std::make_unique<SqlText>(*tables_);
    conn.prepare(kLockPartition, sql_->lock_partition);
    conn.prepare(kReadOffset, sql_->read_offset);
    conn.prepare(kClaimPartition, sql_->claim_partition);
    conn.prepare(kSaveOffset, sql_->save_offset);
    conn.prepare(kForgetOffset, sql_->forget_offset);
    conn.prepare(kLookup, sql_->lookup);
    conn.prepare(kMarkDeleted, sql_->mark_deleted);
    conn.prepare(kDeleteRows, sql_->delete_rows);
    conn.prepare(kUpdateRows, sql_->update_rows);
    if (names_.partitioning == Partitioning::Daily) {
        conn.prepare(kUpdateKeys, sql_->update_keys);
        conn.prepare(kDeleteKeys, sql_->delete_keys);
    }
    own_keys_.load(conn, *tables_);
}

ErrorKind BatchWriter::classify(const PgError& error, PgConnection* conn) {
    return classify_error(error.sqlstate(), error.connection_lost(), whose_key(error, conn));
}

UniqueKey BatchWriter::whose_key(const PgError& error, PgConnection* conn) {
    if (error.sqlstate() != kUniqueViolation) return UniqueKey::Others;  // not asked
    const ConstraintName& violated = error.constraint();
    // None named: raised by a trigger or function of the user's, not by an index.
    if (violated.name.empty()) return UniqueKey::Others;
    // Concurrent DDL (another session creating the same partition or schema) collides in the
    // catalog's unique indexes: a race, as on the sink's keys, which a retry resolves.
    if (violated.schema == "pg_catalog" || own_keys_.contains(violated)) return UniqueKey::Sinks;
    if (!conn || !tables_ || !conn->healthy() || PQtransactionStatus(conn->raw()) == PQTRANS_INERROR)
        return UniqueKey::Sinks;
    try {
        own_keys_.load(*conn, *tables_);
    } catch (const PgError&) {
        return UniqueKey::Sinks;  // the retry meets the same trouble and reports it
    }
    return own_keys_.contains(violated) ? UniqueKey::Sinks : UniqueKey::Others;
}

StoredPartition BatchWriter::read_offset(const std::string& topic, int32_t partition) {
    step_ = WriteStep::ReadingOffsets;
    const std::string partition_text = std::to_string(partition);
    return stored_partition(conn_->execute(kReadOffset, {{connector_}, {topic}, {partition_text}}));
}

StoredPartition BatchWriter::claim(const std::string& topic, int32_t partition) {
    const PartitionBatch claimed[] = {{topic, partition, 0, 0}};
    std::vector<int64_t> terminated;
    conn_->run("BEGIN");
    // Under the lock a batch holds to its COMMIT: a predecessor's batch in flight either committed
    // before the claim (its offset is what the claim returns) or reads the new epoch and is refused.
    conn_->run("SET LOCAL lock_timeout = " + std::to_string(kClaimPatience.count()));
    try {
        lock_partitions(claimed);
    } catch (const PgError& error) {
        if (error.sqlstate() != "55P03") throw;  // lock_not_available: the patience ran out
        conn_->run("ROLLBACK");
        // pg_locks shows a bigint advisory key as its high and low 32 bits (classid, objid).
        const std::string key = std::to_string(advisory_lock_key(lock_text(tables_->events, claimed[0])));
        step_ = WriteStep::LockingPartitions;
        PgResult holders = conn_->query(
            "SELECT l.pid, pg_terminate_backend(l.pid) FROM pg_locks l"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.pid <> pg_backend_pid()"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND l.classid = (($1::int8 >> 32) & 4294967295)::oid AND l.objid = ($1::int8 & 4294967295)::oid",
            {{key}});
        for (int row = 0; row < PQntuples(holders.get()); ++row)
            terminated.push_back(std::stoll(PQgetvalue(holders.get(), row, 0)));
        conn_->run("BEGIN");
        lock_partitions(claimed);
    }
    step_ = WriteStep::ClaimingPartitions;
    const std::string partition_text = std::to_string(partition);
    StoredPartition stored = stored_partition(conn_->execute(kClaimPartition, {{connector_}, {topic}, {partition_text}}));
    conn_->run("COMMIT");
    stored.terminated = std::move(terminated);
    return stored;
}

BatchCounts BatchWriter::prepare(std::span<const Event> events, const StringArena& arena,
                                 std::span<const PartitionBatch> partitions) {
    if (names_.partitioning == Partitioning::Daily) {
        days_.clear();
        for (const Event& event : events)
            if (!event.tombstone) days_.push_back(utc_day(event.event_time_us));
        step_ = WriteStep::CreatingPartitions;
        daily_.ensure(*conn_, *tables_, days_);
    }

    // The first attempt writes the batch whole. Only when PostgreSQL refuses a record does a
    // second one find which, by splitting the batch (the first attempt's transaction is lost).
    std::optional<PgError> refusal;
    for (;;) {
        refused_.clear();
        conn_->run("BEGIN");
        lock_and_read_offsets(partitions);
        BatchCounts counts = select_active(events);
        if (!refusal) {
            try {
                counts += apply(events, arena, partitions, 0, active_.size());
            } catch (const PgError& error) {
                // Out of the failed transaction first: classifying a unique violation may read the
                // catalog. Errors are swallowed: the retry meets a broken connection again.
                conn_->rollback_quietly();
                if (classify(error, conn_) != ErrorKind::RecordRefused) throw;
                refusal = error;
                continue;
            }
        } else {
            split(events, arena, partitions, 0, active_.size(), *refusal, counts);
        }

        step_ = WriteStep::SavingOffsets;
        for (size_t i = 0; i < partitions.size(); ++i) {
            if (partitions[i].next_offset <= stored_offsets_[i]) continue;
            const std::string partition_text = std::to_string(partitions[i].partition);
            const std::string next_text = std::to_string(partitions[i].next_offset);
            conn_->execute(kSaveOffset,
                           {{connector_}, {partitions[i].topic}, {partition_text}, {next_text}});
        }
        return counts;
    }
}

void BatchWriter::commit() {
    step_ = WriteStep::Committing;
    conn_->run("COMMIT");
}

BatchCounts BatchWriter::select_active(std::span<const Event> events) {
    BatchCounts counts;
    active_.clear();
    keys_.clear();
    for (uint32_t i = 0; i < events.size(); ++i) {
        const Event& event = events[i];
        const int64_t stored = stored_offsets_[event.source];
        if (stored >= 0 && event.offset < stored) {
            ++counts.already_applied;
            continue;
        }
        active_.push_back(i);
        keys_.push_back({event.event_id, event.tombstone, event.is_valid, event.revision});
        if (event.late && !event.tombstone) ++counts.late;
    }
    return counts;
}

BatchCounts BatchWriter::apply(std::span<const Event> events, const StringArena& arena,
                               std::span<const PartitionBatch> partitions, size_t lo, size_t hi) {
    BatchCounts counts;
    range_lo_ = lo;
    const std::span<const EventKey> range = std::span<const EventKey>(keys_).subspan(lo, hi - lo);
    collapse_.build(range);
    const auto groups = collapse_.groups();
    step_ = WriteStep::LookingUp;
    look_up_prior_states(groups);

    inserts_.clear();
    updates_.clear();
    deletions_.clear();
    for (uint32_t g = 0; g < groups.size(); ++g) {
        const GroupResolution r = resolve_group(collapse_.members(groups[g]), range, priors_[g]);
        counts.inserted += r.inserted;
        counts.updated += r.updated;
        counts.duplicates += r.duplicates;
        counts.deleted += r.deleted;
        counts.suppressed_after_delete += r.suppressed_after_delete;
        counts.invalidations += r.invalidations;
        const Planned planned{active_[lo + r.decisive], g};
        switch (r.action) {
            case Action::Insert: inserts_.push_back(planned); break;
            case Action::Update: updates_.push_back(planned); break;
            case Action::Delete: deletions_.push_back(planned); break;
            case Action::None: break;
        }
    }

    apply_deletions(events, partitions);
    apply_updates(events, arena, partitions);
    apply_inserts(events, arena, partitions);
    return counts;
}

void BatchWriter::apply_or_split(std::span<const Event> events, const StringArena& arena,
                                 std::span<const PartitionBatch> partitions, size_t lo, size_t hi,
                                 BatchCounts& counts) {
    if (hi <= lo) return;
    conn_->run("SAVEPOINT sink_records");
    try {
        counts += apply(events, arena, partitions, lo, hi);
    } catch (const PgError& error) {
        // Back to the savepoint first, so that classifying a unique violation can read the catalog
        // (within the batch's transaction, its locks still held); whatever else the error is, the
        // task rolls the whole transaction back. A lost connection cannot be rolled back.
        if (conn_->healthy()) conn_->run("ROLLBACK TO SAVEPOINT sink_records; RELEASE SAVEPOINT sink_records");
        if (classify(error, conn_) != ErrorKind::RecordRefused) throw;
        split(events, arena, partitions, lo, hi, error, counts);
        return;
    }
    conn_->run("RELEASE SAVEPOINT sink_records");
}

void BatchWriter::split(std::span<const Event> events, const StringArena& arena,
                        std::span<const PartitionBatch> partitions, size_t lo, size_t hi, const PgError& error,
                        BatchCounts& counts) {
    if (hi <= lo) return;
    if (hi - lo == 1) {
        refused_.push_back({active_[lo], error.sqlstate(), error.what()});
        return;
    }
    const size_t middle = lo + (hi - lo) / 2;
    apply_or_split(events, arena, partitions, lo, middle, counts);
    apply_or_split(events, arena, partitions, middle, hi, counts);
}

std::vector<sdk::PartitionOffset> BatchWriter::list_offsets() {
    step_ = WriteStep::ReadingOffsets;
    PgResult result = conn_->query(sql_->list_offsets, {{connector_}});
    std::vector<sdk::PartitionOffset> stored;
    for (int row = 0; row < PQntuples(result.get()); ++row)
        stored.push_back({PQgetvalue(result.get(), row, 0), std::stoi(PQgetvalue(result.get(), row, 1)),
                          std::stoll(PQgetvalue(result.get(), row, 2))});
    return stored;
}

void BatchWriter::alter_offsets(std::span<const sdk::PartitionOffset> changes) {
    std::vector<PartitionBatch> partitions;
    for (const auto& change : changes) partitions.push_back({change.topic, change.partition, 0});
    conn_->run("BEGIN");
    lock_partitions(partitions);
    step_ = WriteStep::AlteringOffsets;
    for (const auto& change : changes) {
        const std::string partition_text = std::to_string(change.partition);
        if (change.offset) {
            const std::string next_text = std::to_string(*change.offset);
            conn_->execute(kSaveOffset, {{connector_}, {change.topic}, {partition_text}, {next_text}});
        } else {
            conn_->execute(kForgetOffset, {{connector_}, {change.topic}, {partition_text}});
        }
    }
    conn_->run("COMMIT");
}

void BatchWriter::lock_partitions(std::span<const PartitionBatch> partitions) {
    // Locks in key order, so that two tasks sharing partitions (a zombie and its successor
    // during a rebalance) cannot deadlock.
    std::vector<std::pair<int64_t, size_t>> order;
    order.reserve(partitions.size());
    for (size_t i = 0; i < partitions.size(); ++i)
        order.emplace_back(advisory_lock_key(lock_text(tables_->events, partitions[i])), i);
    std::sort(order.begin(), order.end());
    step_ = WriteStep::LockingPartitions;
    for (const auto& [key, index] : order) {
        const std::string key_text = std::to_string(key);
        conn_->execute(kLockPartition, {{key_text}});
    }
}

void BatchWriter::lock_and_read_offsets(std::span<const PartitionBatch> partitions) {
    lock_partitions(partitions);
    // Read after locking: under READ COMMITTED each statement sees what committed before it.
    // The epoch comes with the offset: fencing costs no statement of its own.
    stored_offsets_.assign(partitions.size(), -1);
    for (size_t i = 0; i < partitions.size(); ++i) {
        const PartitionBatch& partition = partitions[i];
        const StoredPartition stored = read_offset(partition.topic, partition.partition);
        if (partition.epoch != 0 && stored.epoch != partition.epoch)
            throw Fenced(partition.topic, partition.partition, stored.epoch, partition.epoch);
        stored_offsets_[i] = stored.next_offset.value_or(-1);
    }
}

void BatchWriter::look_up_prior_states(std::span<const BatchCollapse::Group> groups) {
    priors_.assign(groups.size(), PriorState{});
    prior_event_times_.assign(groups.size(), 0);
    if (groups.empty()) return;

    arrays_.resize(std::max<size_t>(arrays_.size(), 1));
    BinaryArray ids(arrays_[0], pg_oid::kUuid, static_cast<int32_t>(groups.size()));
    for (const auto& group : groups) ids.writer().uuid(group_id(group));

    PgResult result = conn_->execute(kLookup, {{arrays_[0], true}}, /*binary_result=*/true);
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        Uuid id;
        std::memcpy(id.bytes.data(), PQgetvalue(result.get(), row, 0), id.bytes.size());
        // Groups are sorted by event_id (BatchCollapse), so a binary search finds the group.
        const auto it = std::lower_bound(groups.begin(), groups.end(), id,
                                         [&](const BatchCollapse::Group& group, const Uuid& wanted) {
                                             return group_id(group) < wanted;
                                         });
        if (it == groups.end() || group_id(*it) != id)
            throw PgError("lookup returned an event_id that was not asked for", "XX000", false);
        const size_t group = static_cast<size_t>(it - groups.begin());
        const bool deleted = PQgetvalue(result.get(), row, 3)[0] != 0;
        if (deleted) {
            priors_[group] = {PriorState::Kind::Deleted, 0};
        } else if (priors_[group].kind != PriorState::Kind::Deleted) {
            priors_[group] = {PriorState::Kind::Stored, read_big_endian<int32_t>(PQgetvalue(result.get(), row, 1))};
            prior_event_times_[group] =
                shared::pg::from_pg_timestamp(read_big_endian<int64_t>(PQgetvalue(result.get(), row, 2)));
        }
    }
}

const Uuid& BatchWriter::group_id(const BatchCollapse::Group& group) const {
    return keys_[range_lo_ + collapse_.members(group)[0]].event_id;
}

void BatchWriter::apply_deletions(std::span<const Event> events,
                                  std::span<const PartitionBatch> partitions) {
    if (deletions_.empty()) return;
    const bool daily = names_.partitioning == Partitioning::Daily;
    arrays_.resize(std::max<size_t>(arrays_.size(), 3));
    const auto count = static_cast<int32_t>(deletions_.size());
    BinaryArray ids(arrays_[0], pg_oid::kUuid, count);
    BinaryArray source_partitions(arrays_[1], pg_oid::kInt4, count);
    BinaryArray offsets(arrays_[2], pg_oid::kInt8, count);
    for (const Planned& planned : deletions_) {
        const Event& event = events[planned.event];
        ids.writer().uuid(event.event_id);
        source_partitions.writer().int4(partitions[event.source].partition);
        offsets.writer().int8(event.offset);
    }
    step_ = WriteStep::RecordingDeletions;
    PgResult marked =
        conn_->execute(kMarkDeleted, {{arrays_[0], true}, {arrays_[1], true}, {arrays_[2], true}});
    expect_rows(marked, deletions_.size(), "recording deletions");

    // Rows to remove: the deleted events that had one before the batch.
    size_t stored = 0;
    for (const Planned& planned : deletions_)
        stored += priors_[planned.group].kind == PriorState::Kind::Stored ? 1 : 0;
    if (stored == 0) return;
    BinaryArray stored_ids(arrays_[0], pg_oid::kUuid, static_cast<int32_t>(stored));
    BinaryArray stored_times(arrays_[1], pg_oid::kTimestamptz, static_cast<int32_t>(stored));
    for (const Planned& planned : deletions_) {
        if (priors_[planned.group].kind != PriorState::Kind::Stored) continue;
        stored_ids.writer().uuid(events[planned.event].event_id);
        stored_times.writer().timestamptz(prior_event_times_[planned.group]);
    }
    step_ = WriteStep::DeletingRows;
    if (daily) {
        PgResult removed = conn_->execute(kDeleteRows, {{arrays_[0], true}, {arrays_[1], true}});
        expect_rows(removed, stored, "deleting rows");
        step_ = WriteStep::DeletingKeys;
        PgResult keys = conn_->execute(kDeleteKeys, {{arrays_[0], true}});
        expect_rows(keys, stored, "deleting keys");
    } else {
        PgResult removed = conn_->execute(kDeleteRows, {{arrays_[0], true}});
        expect_rows(removed, stored, "deleting rows");
    }
}

void BatchWriter::apply_updates(std::span<const Event> events, const StringArena& arena,
                                std::span<const PartitionBatch> partitions) {
    if (updates_.empty()) return;
    const bool daily = names_.partitioning == Partitioning::Daily;
    const size_t columns = shared::pg::kEventsWrittenColumns + (daily ? 1 : 0);
    arrays_.resize(std::max(arrays_.size(), columns));
    const auto count = static_cast<int32_t>(updates_.size());
    BinaryArray ids(arrays_[0], pg_oid::kUuid, count);
    BinaryArray user_ids(arrays_[1], pg_oid::kText, count);
    BinaryArray event_types(arrays_[2], pg_oid::kText, count);
    BinaryArray event_times(arrays_[3], pg_oid::kTimestamptz, count);
    BinaryArray received_times(arrays_[4], pg_oid::kTimestamptz, count);
    BinaryArray valid_flags(arrays_[5], pg_oid::kBool, count);
    BinaryArray revisions(arrays_[6], pg_oid::kInt4, count);
    BinaryArray source_partitions(arrays_[7], pg_oid::kInt4, count);
    BinaryArray offsets(arrays_[8], pg_oid::kInt8, count);
    for (const Planned& planned : updates_) {
        const Event& event = events[planned.event];
        ids.writer().uuid(event.event_id);
        user_ids.writer().text(arena.view(event.user_id));
        event_types.writer().text(arena.view(event.event_type));
        event_times.writer().timestamptz(event.event_time_us);
        received_times.writer().timestamptz(event.received_time_us);
        valid_flags.writer().boolean(event.is_valid);
        revisions.writer().int4(event.revision);
        source_partitions.writer().int4(partitions[event.source].partition);
        offsets.writer().int8(event.offset);
    }
    if (daily) {
        BinaryArray old_times(arrays_[9], pg_oid::kTimestamptz, count);
        for (const Planned& planned : updates_)
            old_times.writer().timestamptz(prior_event_times_[planned.group]);
    }
    std::vector<PgParam> params;
    params.reserve(columns);
    for (size_t i = 0; i < columns; ++i) params.push_back({arrays_[i], true});
    step_ = WriteStep::UpdatingRows;
    PgResult updated = conn_->execute(kUpdateRows, params);
    expect_rows(updated, updates_.size(), "updating rows");

    if (daily) {
        // Keys: id, new event_time, new revision (arrays 0, 3 and 6 above).
        step_ = WriteStep::UpdatingKeys;
        PgResult keys = conn_->execute(
            kUpdateKeys, {{arrays_[0], true}, {arrays_[3], true}, {arrays_[6], true}});
        expect_rows(keys, updates_.size(), "updating keys");
    }
}

void BatchWriter::apply_inserts(std::span<const Event> events, const StringArena& arena,
                                std::span<const PartitionBatch> partitions) {
    if (inserts_.empty()) return;
    copy_buffer_.clear();
    copy_binary_header(copy_buffer_);
    BinaryWriter row(copy_buffer_);
    for (const Planned& planned : inserts_) {
        const Event& event = events[planned.event];
        copy_binary_row_start(row, static_cast<int16_t>(shared::pg::kEventsWrittenColumns));
        row.uuid(event.event_id);
        row.text(arena.view(event.user_id));
        row.text(arena.view(event.event_type));
        row.timestamptz(event.event_time_us);
        row.timestamptz(event.received_time_us);
        row.boolean(event.is_valid);
        row.int4(event.revision);
        row.int4(partitions[event.source].partition);
        row.int8(event.offset);
    }
    copy_binary_trailer(copy_buffer_);
    step_ = WriteStep::InsertingRows;
    conn_->copy_in(sql_->copy_rows, copy_buffer_);

    if (names_.partitioning == Partitioning::Daily) {
        copy_buffer_.clear();
        copy_binary_header(copy_buffer_);
        for (const Planned& planned : inserts_) {
            const Event& event = events[planned.event];
            copy_binary_row_start(row, static_cast<int16_t>(shared::pg::kKeysColumns.size()));
            row.uuid(event.event_id);
            row.timestamptz(event.event_time_us);
            row.int4(event.revision);
        }
        copy_binary_trailer(copy_buffer_);
        step_ = WriteStep::InsertingKeys;
        conn_->copy_in(sql_->copy_keys, copy_buffer_);
    }
}

void BatchWriter::expect_rows(const PgResult& result, size_t expected, const char* statement) {
    const char* affected = PQcmdTuples(result.get());
    const size_t actual = affected && *affected ? std::stoull(affected) : 0;
    if (actual == expected) return;
    // The lookup said otherwise a moment ago under the partition locks: another writer touched
    // these events outside them. Retrying looks again.
    throw PgError(std::string(statement) + " affected " + std::to_string(actual) + " rows, expected " +
                      std::to_string(expected) + " (concurrent writer?)",
                  "40001", false);
}

}  // namespace ingest::plugins::sink_postgres
