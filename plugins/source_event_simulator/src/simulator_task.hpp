// The SDK glue: drives the Generator from poll(), keeps each record until its delivery report,
// and writes the audit log. With tasks.max > 1 each task runs its own share of the stream (see
// task_share() in config.hpp) and writes its own audit log.
//
// A task that finds an unfinished audit log of its own stream (stream_file.hpp) continues it:
// it regenerates the deterministic stream, sends again every record below the log's highest seq
// that has no line (its outcome is unknown: it may or may not be in the topic), passes over the
// others, and goes on from there, appending to the same log. At least once: a record whose
// outcome was unknown may end up in the topic twice, as byte-identical copies, of which the log
// names the one confirmed (the validator accepts such copies; docs/validation.md).
#pragma once

#include "audit_log.hpp"
#include "audit_recovery.hpp"
#include "config.hpp"
#include "generator.hpp"
#include "in_flight.hpp"

#include <ingest/sdk.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ingest::plugins::source_event_simulator {

class SimulatorTask : public sdk::SourceTask {
   public:
    void start(const sdk::Config& config) override;
    PollResult poll(sdk::Emitter& emitter) override;
    void on_delivered(uint64_t correlation, int32_t partition, int64_t offset,
                      std::string_view error) override;
    void commit() override;
    void stop() override;

    // start() with a config that already passed config_def()'s rules (tests, benchmarks).
    // Throws sdk::FatalError.
    void start_with(const SimulatorConfig& config);

    const AuditTotals& totals() const { return totals_; }
    size_t in_flight() const { return window_.pending(); }

   private:
    using Clock = std::chrono::steady_clock;

    // Opens the audit log and either starts a new stream in it or prepares to continue the one
    // it holds. Throws sdk::FatalError.
    void open_audit_log(const SimulatorConfig& connector_config, int32_t task, int32_t tasks);
    // A new stream: an empty log, and the stream file that says what it is.
    void start_new_stream(const SimulatorConfig& connector_config, int32_t task, int32_t tasks);
    // Rebuilds totals and position from `recovered`; regenerates the stream up to its first
    // record without a line.
    void continue_stream(const AuditRecovery& recovered);
    bool time_is_up(Clock::time_point now) const;
    uint64_t allowed_by_rate(Clock::time_point now) const;
    void pace(Clock::time_point now);
    void housekeeping(Clock::time_point now);
    void log_progress(Clock::time_point now);
    void finish_audit();
    void raise_deferred_error();

    SimulatorConfig config_;
    std::unique_ptr<Generator> generator_;
    InFlightWindow window_;
    AuditLog audit_;
    AuditTotals totals_;
    // A continued stream: seqs below settled_.size() that already have their line are passed
    // over, not sent again; and a confirmation at or below the log's highest offset in a
    // partition means the topic is not the one the log describes.
    std::vector<bool> settled_;
    std::map<int32_t, int64_t> resumed_highest_offsets_;
    // The topic's partition count, from the host (ABI 1.5): records go to their event's first
    // user's partition (partitioning.hpp). 0: the host cannot say; the producer places by key.
    int32_t partitions_ = 0;
    uint64_t emitted_since_start_ = 0;  // what the rate limit counts

    bool clock_started_ = false;
    bool finished_ = false;  // no more records will be generated
    bool completion_written_ = false;
    Clock::time_point started_at_;
    Clock::time_point last_progress_;
    Clock::time_point last_flush_;
    uint64_t confirmed_at_last_progress_ = 0;
    // An audit write that failed inside on_delivered(), which cannot report; raised by the next
    // poll() or commit().
    std::string deferred_error_;
};

}  // namespace ingest::plugins::source_event_simulator
