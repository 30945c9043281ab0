// The SDK glue: drives the Generator from poll(), keeps each record until its delivery report,
// and writes the audit log. With tasks.max > 1 each task runs its own share of the stream (see
// task_share() in config.hpp) and writes its own audit log.
#pragma once

#include "audit_log.hpp"
#include "config.hpp"
#include "generator.hpp"
#include "in_flight.hpp"

#include <ingest/sdk.hpp>

#include <chrono>
#include <memory>
#include <string>

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
