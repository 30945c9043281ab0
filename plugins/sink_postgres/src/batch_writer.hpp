// Writes one batch and its offsets in one PostgreSQL transaction.
//
// Per batch: lock the batch's partitions, read their stored offsets and epochs (a partition whose
// stored epoch is no longer the one this task claimed belongs to a newer task: the batch is
// refused, see Fenced; records below the offsets were already applied by an earlier transaction
// whose acknowledgement was lost: skipped), collapse the rest per event_id, look up every
// event_id's prior state in one query, and then write only what changes:
//   new events      → COPY (binary) straight into the events table,
//   newer revisions → one UPDATE ... FROM unnest(column arrays),
//   tombstones      → one INSERT into the deletions table and one DELETE,
//   offsets         → one upsert per partition.
// Measured against COPY into a staging table followed by INSERT ... ON CONFLICT, this writes
// new rows through the same path as a plain COPY and gives exact counts (see the report in
// plugins/sink_postgres/README.md).
//
// Lookup and write are race-free because every writer of a topic-partition into a table holds
// that partition's advisory lock for the whole transaction, and an event_id lives in exactly one
// partition (Kafka key = event_id).
//
// A record PostgreSQL refuses although it decoded fine (a data error: SQLSTATE classes 22, 23 but
// 23505 on the sink's own keys, 54; see retry_policy.hpp) does not stop its batch. The first
// attempt writes the batch whole, as above; when it fails with a data error, the transaction
// starts again and the batch is bisected: each half is applied in a savepoint, a half that fails
// is rolled back to its savepoint and split again, until every refused record is alone. Halves
// are applied in Kafka order, each looking up what the earlier ones wrote, so the outcome is that
// of applying the records one by one, less the refused ones. The refused records are listed for
// the caller, which dead-letters them before it commits the rows and the batch's offsets, all in
// one transaction. Cost: nothing while no record is refused; with k refused records among n,
// about 2·k·log2(n) savepoint attempts that together rewrite about 2·k·n rows at most.
#pragma once

#include "batch_collapse.hpp"
#include "daily_partitions.hpp"
#include "error_advice.hpp"
#include "event.hpp"
#include "own_keys.hpp"
#include "retry_policy.hpp"
#include "sql_text.hpp"

#include <ingest/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ingest::plugins::sink_postgres {

// One topic-partition's share of a batch.
struct PartitionBatch {
    std::string topic;
    int32_t partition = 0;
    int64_t next_offset = 0;  // last offset of the batch in this partition + 1
    int64_t epoch = 0;        // the task's claim of the partition (BatchWriter::claim); 0: none, unchecked
};

// A partition's row in the offsets table.
struct StoredPartition {
    std::optional<int64_t> next_offset;  // none: no row, or a claim that stored no offset yet
    int64_t epoch = 0;                   // 0: no row (claims count from 1)
    // Sessions the claim terminated: they held the partition's lock past kClaimPatience.
    std::vector<int64_t> terminated;
};

// How long a claim waits for the partition's lock before it ends the session holding it. A live
// predecessor's batch commits well within it; a session that holds the lock longer belongs to a
// task that lost the partition and stopped in the middle of a transaction (frozen, cut off), which
// would otherwise hold the partition until it came back.
inline constexpr std::chrono::milliseconds kClaimPatience{10000};

// A batch refused because another task claimed one of its partitions since this task did: this
// task lost its assignment (a zombie: paused past its session, partitioned away) and its
// successor owns the partition. Nothing of the batch was written. Fatal, never retried: the
// successor writes these records.
class Fenced : public sdk::FatalError {
   public:
    Fenced(std::string topic, int32_t partition, int64_t stored_epoch, int64_t own_epoch);
    const std::string& topic() const { return topic_; }
    int32_t partition() const { return partition_; }
    int64_t stored_epoch() const { return stored_epoch_; }
    int64_t own_epoch() const { return own_epoch_; }

   private:
    std::string topic_;
    int32_t partition_;
    int64_t stored_epoch_;
    int64_t own_epoch_;
};

// What a committed batch amounted to, per record (see Outcome in batch_collapse.hpp).
struct BatchCounts {
    uint64_t inserted = 0;
    uint64_t updated = 0;
    uint64_t duplicates = 0;
    uint64_t deleted = 0;
    uint64_t suppressed_after_delete = 0;
    uint64_t invalidations = 0;
    uint64_t late = 0;
    uint64_t already_applied = 0;  // skipped: below the stored offset

    BatchCounts& operator+=(const BatchCounts& other) {
        inserted += other.inserted;
        updated += other.updated;
        duplicates += other.duplicates;
        deleted += other.deleted;
        suppressed_after_delete += other.suppressed_after_delete;
        invalidations += other.invalidations;
        late += other.late;
        already_applied += other.already_applied;
        return *this;
    }
};

// A record PostgreSQL refused although it decoded fine (ErrorKind::RecordRefused).
struct RefusedRecord {
    uint32_t event = 0;  // index into the batch's events
    std::string sqlstate;
    std::string message;  // PostgreSQL's, with the SQLSTATE
};

class BatchWriter {
   public:
    BatchWriter(TableNames names, std::string connector);

    // Prepares the statements on a (new) connection; the writer then uses that connection.
    void attach(PgConnection& conn);

    // Claims a partition for this writer's task (open()): in one transaction under the partition's
    // advisory lock, increments the epoch of its offsets row (inserting the row, with no offset,
    // when it has none). Returns the stored offset and the new epoch, which the task's batches of
    // that partition carry (PartitionBatch::epoch). A session that holds the partition's lock past
    // kClaimPatience is terminated (pg_terminate_backend): its transaction rolls back, and its task,
    // should it come back, finds the new epoch and is refused. Throws PgError.
    StoredPartition claim(const std::string& topic, int32_t partition);

    // The operator's view of the stored offsets (Kafka Connect's KIP-875): every stored next
    // offset of this connector, and changes to them in one transaction (nullopt forgets one),
    // under each partition's advisory lock as a batch would take it. Throw PgError.
    std::vector<sdk::PartitionOffset> list_offsets();
    void alter_offsets(std::span<const sdk::PartitionOffset> changes);

    // Writes a batch and its offsets in a transaction that it leaves open: commit() ends it (once
    // the refused records' dead letters are confirmed), a rollback forgets it. `events`: the
    // batch's well-formed records in Kafka order; `partitions`: every topic-partition of the batch
    // (malformed records included in next_offset). Records PostgreSQL refuses are left out and
    // listed by refused(). Throws PgError (a data error only when no single record explains it),
    // or Fenced (the transaction rolled back by the caller) when a partition's stored epoch is not
    // its PartitionBatch::epoch.
    BatchCounts prepare(std::span<const Event> events, const StringArena& arena,
                        std::span<const PartitionBatch> partitions);
    std::span<const RefusedRecord> refused() const { return refused_; }
    // Throws PgError (a data error when a deferred constraint fails: no single record explains it).
    void commit();

    // How retry_policy classifies `error`, knowing whose key a unique violation names. A 23505 on
    // a constraint not known as the sink's own reloads its own keys first (a daily partition may
    // have appeared since they were read), through `conn` (the task's current connection, nullptr
    // when it has none), which callers have taken out of the failed transaction (rolled back, or
    // back to a savepoint). When they cannot be read, the 23505 counts as the sink's own
    // (Transient): the retry classifies it again.
    ErrorKind classify(const PgError& error, PgConnection* conn);

    // What the writer was doing when its last statement ran (or failed): explains an error.
    WriteStep step() const { return step_; }
    void note_step(WriteStep step) { step_ = step; }
    // The quoted names of the tables, once attached to a connection (nullptr before).
    const QuotedTables* tables() const { return tables_.get(); }

   private:
    UniqueKey whose_key(const PgError& error, PgConnection* conn);
    // Selects the events not yet applied (active_, keys_) after the offsets were read, counting
    // the others and the late ones.
    BatchCounts select_active(std::span<const Event> events);
    // Collapses, looks up and writes active_[lo, hi): its records' per-record counts. Throws
    // PgError, having written part of it: callers roll back (a transaction or a savepoint).
    BatchCounts apply(std::span<const Event> events, const StringArena& arena,
                      std::span<const PartitionBatch> partitions, size_t lo, size_t hi);
    // Applies active_[lo, hi) in a savepoint; on a data error rolls back to it and splits.
    void apply_or_split(std::span<const Event> events, const StringArena& arena,
                        std::span<const PartitionBatch> partitions, size_t lo, size_t hi, BatchCounts& counts);
    // active_[lo, hi) failed with `error`, a data error: a single record is refused; more are
    // applied half by half.
    void split(std::span<const Event> events, const StringArena& arena, std::span<const PartitionBatch> partitions,
               size_t lo, size_t hi, const PgError& error, BatchCounts& counts);
    // Takes the partitions' advisory locks (in key order) for the current transaction.
    void lock_partitions(std::span<const PartitionBatch> partitions);
    StoredPartition read_offset(const std::string& topic, int32_t partition);
    // Locks the partitions, reads their stored offsets (stored_offsets_) and throws Fenced when one
    // was claimed by another task since this one claimed it.
    void lock_and_read_offsets(std::span<const PartitionBatch> partitions);
    void look_up_prior_states(std::span<const BatchCollapse::Group> groups);
    void apply_deletions(std::span<const Event> events, std::span<const PartitionBatch> partitions);
    void apply_updates(std::span<const Event> events, const StringArena& arena,
                       std::span<const PartitionBatch> partitions);
    void apply_inserts(std::span<const Event> events, const StringArena& arena,
                       std::span<const PartitionBatch> partitions);
    const Uuid& group_id(const BatchCollapse::Group& group) const;
    void expect_rows(const PgResult& result, size_t expected, const char* statement);

    TableNames names_;
    std::string connector_;
    PgConnection* conn_ = nullptr;
    std::unique_ptr<QuotedTables> tables_;
    std::unique_ptr<SqlText> sql_;
    DailyPartitions daily_;
    OwnKeys own_keys_;

    // Per-batch working storage, kept to reuse its capacity.
    struct Planned {
        uint32_t event;   // index into the batch's events
        uint32_t group;   // index into the collapse's groups
    };
    WriteStep step_ = WriteStep::Connecting;
    std::vector<int64_t> stored_offsets_;
    std::vector<uint32_t> active_;    // indices of events not yet applied
    std::vector<EventKey> keys_;      // parallel to active_
    size_t range_lo_ = 0;             // apply(): the range's first index into active_ and keys_
    std::vector<RefusedRecord> refused_;
    BatchCollapse collapse_;
    std::vector<PriorState> priors_;  // per group
    std::vector<int64_t> prior_event_times_;  // per group; partitioned layout only
    std::vector<Planned> inserts_, updates_, deletions_;
    std::vector<int64_t> days_;
    std::vector<std::string> arrays_;
    std::string copy_buffer_;
};

}  // namespace ingest::plugins::sink_postgres
