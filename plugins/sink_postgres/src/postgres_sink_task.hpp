// The sink task: decodes each batch, dead-letters what breaks the data contract, and writes the
// rest with its offsets, retrying transient database errors in place. Records PostgreSQL refuses
// (data errors) are dead-lettered with their SQLSTATE while the rest of their batch commits;
// configuration errors (privileges, tables, columns) fail the task at once, saying what to fix.
//
// A batch is written by `writers` lanes at once (writer_lane.hpp): its partitions are split into
// groups of about equal record counts (partition_groups.hpp), each group written and committed
// with its partitions' offsets in a transaction of its own, on its own connection and thread.
// Exactly-once holds per partition: a partition's rows and offset commit together, so when one
// group commits and another fails, a retry skips what the committed one applied, by its offsets.
//
// put() hands the batch to the lanes and returns without waiting for them: it is written while
// the runner gathers the next one (Kafka Connect's put()/preCommit() contract). One batch is in
// flight at most: put() first decodes its batch and sends its malformed records' dead letters
// (the lanes still writing the previous one), then waits until every group of the previous batch
// committed (retrying failed groups), and only then starts the lanes on its own. pre_commit(),
// close(), open() and stop() wait for the batch in flight too; a batch that cannot be written
// after put() accepted it makes the next put() fail the task (FatalError): it restarts from the
// stored offsets, where nothing is lost.
//
// Fencing: open() claims its partition (BatchWriter::claim: the epoch in its offsets row grows by
// one) and every batch transaction checks that the epoch is still the task's own. A task that lost
// its partition to another one (a zombie: paused past its session, partitioned away) finds a newer
// epoch, writes nothing and fails (Fenced, a FatalError: never retried), logging "fenced" with the
// partition and both epochs; its successor writes the records.
#pragma once

#include "batch_writer.hpp"
#include "record_copies.hpp"
#include "settings.hpp"
#include "sink_counters.hpp"
#include "writer_lane.hpp"

#include <ingest/sdk.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ingest::plugins::sink_postgres {

class PostgresSinkTask final : public sdk::SinkTask {
   public:
    void start(const sdk::Config& config) override;
    std::optional<int64_t> open(sdk::TopicPartition partition) override;
    void put(std::span<const sdk::Record> records) override;
    std::optional<int64_t> pre_commit(sdk::TopicPartition partition, int64_t proposed) override;
    void close(sdk::TopicPartition partition) override;
    std::vector<sdk::PartitionOffset> list_offsets() override;
    void alter_offsets(std::span<const sdk::PartitionOffset> offsets) override;
    void stop() override;

   private:
    // What the task remembers about an assigned partition between batches.
    struct PartitionState {
        int64_t committed_next = -1;         // next offset known to be in the offsets table
        int64_t dead_lettered_through = -1;  // last malformed offset already sent to the dead-letter topic
        // Offsets of refused records whose dead letters are confirmed but whose batch has not
        // committed yet (a COMMIT that then failed): a retry finds them again and must not resend.
        std::set<int64_t> refused_sent;
        int64_t epoch = 0;  // this task's claim of the partition (open()), which its batches check
    };
    using PartitionKey = std::pair<std::string, int32_t>;

    // One put()'s batch, from its decoding until every group committed. While it is in flight
    // (put() returned) the lanes write it, and it keeps what they and its dead letters need.
    struct Batch {
        std::vector<WriterLane::Group> groups;   // by lane
        std::vector<PartitionBatch> partitions;  // by slot (the batch's topic-partitions)
        std::vector<PartitionState*> states;     // by slot
        RecordCopies records;                    // the records, for refused records' dead letters
        std::vector<uint32_t> pending;           // lanes whose group has not committed yet
        bool running = false;                    // the pending lanes are writing
        size_t size = 0;                         // records put() was given
        uint64_t already_applied = 0;            // found by the lanes (below the stored offsets)
        std::chrono::steady_clock::time_point started;
    };

    // A new connection to the database, as the settings say (throws PgError).
    std::unique_ptr<PgConnection> make_connection() const;

    // Runs `action` on the first lane's connection from this thread (no batch in flight),
    // retrying transient database errors with backoff and a fresh connection when the old one
    // broke. `retries` counts the retries so far and is kept by the caller; success sets it to 0.
    template <typename Action>
    void with_retries(const std::string& what, Action&& action, std::chrono::milliseconds wait_budget,
                      int& retries);
    // After a failed attempt (`attempt`: retries before it): throws FatalError when the failure is
    // not transient or retry.max is used up, RetriableError when the backoff would exceed
    // `wait_budget` (less `waited`) in this call or the host asks the task to stop; otherwise waits
    // the backoff (added to `waited`) and returns: the caller tries again.
    void back_off_or_throw(const std::string& what, const WriterLane::Failure& failure,
                           std::chrono::milliseconds wait_budget, std::chrono::milliseconds& waited, int attempt);

    // The error (of `kind`, met during `step`) as the task reports it: PostgreSQL's message, and
    // for a configuration error what the sink was doing and what to fix.
    std::string explain(const PgError& error, ErrorKind kind, WriteStep step) const;
    // The connection's role as advice names it (quoted), or a placeholder before the first connection.
    std::string advice_role() const;

    // put()'s steps.
    uint32_t slot_for(const sdk::Record& record, Batch& batch);
    // Finds the batch's partitions, splits them among the lanes' groups and decodes each group
    // (malformed records are listed in malformed_).
    void plan(std::span<const sdk::Record> records, Batch& batch);
    void decode_group(std::span<const sdk::Record> records, Batch& batch, uint32_t lane);
    bool has_work(const Batch& batch, uint32_t lane) const;
    void dead_letter_malformed(std::span<const sdk::Record> records, const Batch& batch);
    // Starts the lanes that have work in `batch`, which is then in flight (when any has).
    void launch(std::span<const sdk::Record> records, Batch& batch);

    // Waits until every group of the batch in flight committed, retrying failed groups (only
    // those) with backoff; throws as with_retries does, the batch still in flight.
    void settle(std::chrono::milliseconds wait_budget);
    // settle() outside put(): a batch that cannot be written is given up, and the next put()
    // fails the task (its records were accepted: only a restart from the stored offsets brings
    // them back).
    void settle_or_give_up(std::chrono::milliseconds wait_budget) noexcept;
    // Returns once no pending lane is writing or waiting, letting each lane that waits commit once
    // its refused records' dead letters are confirmed.
    void drive(Batch& batch);
    // Rolls back every pending lane that waits for a decision; returns once none is writing.
    void abort_lanes(const Batch& batch) noexcept;
    // Accounts for the pending lanes that committed (counts, committed offsets) and drops them
    // from `pending`; returns the failure that decides what happens next (a permanent one over a
    // transient one), nullptr when none failed.
    const WriterLane::Failure* collect(Batch& batch);
    // Sends the records PostgreSQL refused in `lane`'s group to the dead-letter topic with their
    // SQLSTATE and waits for the broker's confirmation; before that group commits.
    void dead_letter_refused(const Batch& batch, uint32_t lane);
    // Hands the counters to the host's metrics (every call) and the log (now and then).
    void report_counters();
    // Changes the counters (under counters_mutex_, since lanes add their groups' counts when they
    // commit) and hands what grew to the host's metrics, which may be called from any thread.
    template <typename Change>
    void count(Change&& change);

    Settings settings_;
    std::string display_dsn_;
    shared::user_events::EventDecoder decoder_;
    std::unique_ptr<QuotedTables> quoted_;  // the tables' quoted names, from the first connection
    std::string role_;                      // the connection's user, quoted (for advice)
    std::string database_;                  // the connection's database, quoted (for advice)
    std::mutex counters_mutex_;  // guards counters_ and metrics_
    SinkCounters counters_;
    MetricsReporter metrics_;
    std::map<PartitionKey, PartitionState> partitions_;
    int batch_retries_ = 0;  // retries of the batch in flight, across calls
    std::optional<std::string> failed_;  // why the task must fail: an accepted batch was given up
    std::mt19937_64 random_{std::random_device{}()};
    std::chrono::steady_clock::time_point last_counters_log_ = std::chrono::steady_clock::now();

    // Two batches, one decoded while the other is in flight.
    Batch batches_[2];
    Batch* in_flight_ = nullptr;
    // put()'s working storage, reused.
    std::vector<size_t> slot_records_;   // by slot
    std::vector<uint32_t> slot_lane_;    // by slot: the lane writing it
    std::vector<uint32_t> slot_local_;   // by slot: its index in that lane's group
    std::vector<uint32_t> record_slots_;  // by record
    std::vector<std::pair<uint32_t, std::string>> malformed_;  // record index, reason

    LaneSignal signal_;                               // outlives the lanes
    std::vector<std::unique_ptr<WriterLane>> lanes_;  // settings_.writers of them once started
};

}  // namespace ingest::plugins::sink_postgres
