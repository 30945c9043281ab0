// One of a task's writers (the `writers` setting): a PostgreSQL connection, the BatchWriter on it,
// and a thread that writes one group of a batch's partitions there, in a transaction of its own.
//
// An attempt at a group: prepare it (BatchWriter::prepare: rows, offsets, the records PostgreSQL
// refused), then commit at once when nothing was refused. When records were refused, the lane
// waits for the task's decision: commit once their dead letters are confirmed (the task's thread
// sends them: only it may use the host's services), or roll back. No lane waits for another: a
// lane blocked on a row another lane wrote (one event_id in two partitions, a user's unique
// index) waits for that lane's COMMIT, which does not wait for it.
//
// Between attempts (the lane idle) the task's thread may use the lane's connection itself (start,
// open, stored offsets): the lane's thread touches it only during an attempt.
#pragma once

#include "batch_writer.hpp"

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace ingest::plugins::sink_postgres {

// What lanes and the task wait on: every change of a lane's stage or decision is made under
// `mutex` and announced on `changed`.
struct LaneSignal {
    std::mutex mutex;
    std::condition_variable changed;
};

class WriterLane {
   public:
    // A new connection to the sink's database (its tables exist); throws PgError.
    using Connect = std::function<std::unique_ptr<PgConnection>()>;
    // Called on the lane's thread right after a COMMIT, with the group's per-record counts.
    using Committed = std::function<void(const BatchCounts&)>;

    // Idle → Writing → Committed; or Writing → Prepared (records refused: the task decides) →
    // Committed or RolledBack; Writing or Prepared → Failed. start() begins again from any but
    // Writing and Prepared.
    enum class Stage : uint8_t { Idle, Writing, Prepared, Committed, RolledBack, Failed };

    // A failed attempt, rolled back, classified on the failing connection (retry_policy.hpp).
    struct Failure {
        PgError error;
        ErrorKind kind;
        WriteStep step;  // what the writer was doing (explains a configuration error)
    };

    // A group of a batch's partitions, as the task decoded it for a lane.
    struct Group {
        std::vector<Event> events;  // Kafka order per partition; Event::source indexes `partitions`
        StringArena arena;
        std::vector<PartitionBatch> partitions;
        std::vector<uint32_t> slots;  // parallel to `partitions`: the task's index of each
        void clear();
    };

    WriterLane(Connect connect, Committed committed, TableNames names, std::string connector, LaneSignal& signal);
    ~WriterLane();  // rolls back an undecided attempt and joins the thread
    WriterLane(const WriterLane&) = delete;
    WriterLane& operator=(const WriterLane&) = delete;

    // ---- the task's thread, while the lane is idle (not Writing or Prepared)
    // Takes `conn` (its tables exist) as the lane's connection.
    void adopt(std::unique_ptr<PgConnection> conn);
    // The lane's connection, connecting first when it has none; throws PgError.
    PgConnection& connection();
    BatchWriter& writer() { return writer_; }
    // After `error` from the connection's use: rolls back, drops a broken connection, classifies.
    Failure recover(const PgError& error);
    void rollback_quietly() noexcept;

    // ---- an attempt
    // Starts writing `group` (kept alive and unchanged until the attempt ends) on the lane's thread.
    // The lane must not be Writing or Prepared.
    void start(const Group& group);
    // The rest under the signal's mutex.
    Stage stage() const { return stage_; }
    bool decided() const { return decision_ != Decision::None; }
    // Prepared and undecided: commit, or roll back.
    void decide(bool commit);
    // Prepared or Committed: the group's per-record counts and refused records.
    const BatchCounts& counts() const { return counts_; }
    std::span<const RefusedRecord> refused() const { return writer_.refused(); }
    // Failed: the database error, or (nullopt) something else, rethrown by rethrow_unexpected().
    const std::optional<Failure>& failure() const { return failure_; }
    void rethrow_unexpected() const;

   private:
    enum class Decision : uint8_t { None, Commit, RollBack };

    void run();
    void attempt();
    void set_stage(Stage stage);

    Connect connect_;
    Committed committed_;
    BatchWriter writer_;
    const Group* group_ = nullptr;
    std::unique_ptr<PgConnection> conn_;
    LaneSignal& signal_;
    // Guarded by signal_.mutex.
    Stage stage_ = Stage::Idle;
    Decision decision_ = Decision::None;
    bool requested_ = false;
    bool closing_ = false;
    // Written by the lane's thread before it announces Prepared, Committed or Failed.
    BatchCounts counts_;
    std::optional<Failure> failure_;
    std::exception_ptr unexpected_;
    std::thread thread_;  // last: started once everything above exists
};

}  // namespace ingest::plugins::sink_postgres
