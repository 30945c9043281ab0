#include "writer_lane.hpp"

namespace ingest::plugins::sink_postgres {

void WriterLane::Group::clear() {
    events.clear();
    arena.clear();
    partitions.clear();
    slots.clear();
}

WriterLane::WriterLane(Connect connect, Committed committed, TableNames names, std::string connector,
                       LaneSignal& signal)
    : connect_(std::move(connect)),
      committed_(std::move(committed)),
      writer_(std::move(names), std::move(connector)),
      signal_(signal),
      thread_([this] { run(); }) {}

WriterLane::~WriterLane() {
    {
        std::lock_guard lock(signal_.mutex);
        closing_ = true;
    }
    signal_.changed.notify_all();
    thread_.join();
    rollback_quietly();
}

void WriterLane::adopt(std::unique_ptr<PgConnection> conn) {
    writer_.attach(*conn);
    conn_ = std::move(conn);
}

PgConnection& WriterLane::connection() {
    if (!conn_) {
        writer_.note_step(WriteStep::Connecting);
        adopt(connect_());
    }
    return *conn_;
}

WriterLane::Failure WriterLane::recover(const PgError& error) {
    if (conn_) {
        conn_->rollback_quietly();
        if (!conn_->healthy()) conn_.reset();
    }
    // Classifying a unique violation may read the catalog: out of the failed transaction (above).
    return {error, writer_.classify(error, conn_.get()), writer_.step()};
}

void WriterLane::rollback_quietly() noexcept {
    if (conn_) conn_->rollback_quietly();
}

void WriterLane::start(const Group& group) {
    {
        std::lock_guard lock(signal_.mutex);
        group_ = &group;
        stage_ = Stage::Writing;
        decision_ = Decision::None;
        failure_.reset();
        unexpected_ = nullptr;
        requested_ = true;
    }
    signal_.changed.notify_all();
}

void WriterLane::decide(bool commit) {
    decision_ = commit ? Decision::Commit : Decision::RollBack;
    signal_.changed.notify_all();
}

void WriterLane::rethrow_unexpected() const {
    if (unexpected_) std::rethrow_exception(unexpected_);
}

void WriterLane::set_stage(Stage stage) {
    {
        std::lock_guard lock(signal_.mutex);
        stage_ = stage;
    }
    signal_.changed.notify_all();
}

void WriterLane::run() {
    std::unique_lock lock(signal_.mutex);
    for (;;) {
        signal_.changed.wait(lock, [&] { return closing_ || requested_; });
        if (closing_) return;
        requested_ = false;
        lock.unlock();
        attempt();
        lock.lock();
    }
}

void WriterLane::attempt() {
    try {
        connection();
        counts_ = writer_.prepare(group_->events, group_->arena, group_->partitions);
        bool commit = writer_.refused().empty();
        if (!commit) {
            std::unique_lock lock(signal_.mutex);
            stage_ = Stage::Prepared;
            signal_.changed.notify_all();
            signal_.changed.wait(lock, [&] { return closing_ || decision_ != Decision::None; });
            commit = !closing_ && decision_ == Decision::Commit;
        }
        if (!commit) {
            conn_->rollback_quietly();
            set_stage(Stage::RolledBack);
            return;
        }
        writer_.commit();
        committed_(counts_);
        set_stage(Stage::Committed);
    } catch (const PgError& error) {
        failure_ = recover(error);
        set_stage(Stage::Failed);
    } catch (...) {
        rollback_quietly();
        unexpected_ = std::current_exception();
        set_stage(Stage::Failed);
    }
}

}  // namespace ingest::plugins::sink_postgres
