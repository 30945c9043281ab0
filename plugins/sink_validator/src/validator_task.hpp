// The validator's sink task: it consumes the source topic and its dead-letter topic, tails the
// audit log, and once everything is in (audit log complete, sink committed to the topic's end,
// both topics read to their ends) compares the table with the truth and reports one verdict.
//
// Its state lives in memory, so it always reads the topics from their beginning (open() asks for
// the low watermark) and must see every partition: run it with tasks.max=1.
#pragma once

#include "audit_follower.hpp"
#include "readiness.hpp"
#include "report.hpp"
#include "topic_index.hpp"
#include "pg_reader.hpp"
#include "settings.hpp"

#include <ingest/sdk.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::sink_validator {

class ValidatorTask final : public sdk::SinkTask {
   public:
    void start(const sdk::Config& config) override;
    std::optional<int64_t> open(sdk::TopicPartition partition) override;
    void put(std::span<const sdk::Record> records) override;
    void close(sdk::TopicPartition partition) override;
    void stop() override;

   private:
    using Clock = std::chrono::steady_clock;

    struct Position {
        bool assigned = false;
        std::optional<int64_t> next;  // last offset read + 1
    };

    void take(const sdk::Record& record);
    void take_dead_letter(const sdk::Record& record);
    // What still blocks a verdict; with `everything`, every stage is examined even when an
    // earlier one is already unmet (for the deadline's message).
    std::vector<std::string> missing_conditions_now(const AuditFollower::Progress& audit, bool everything);
    std::vector<PartitionProgress> progress_of(const std::string& topic,
                                               const std::map<int32_t, Position>& positions,
                                               const std::vector<int32_t>& extra_partitions,
                                               const std::map<int32_t, int64_t>& audited,
                                               std::vector<std::string>& problems);
    // Compares and delivers the verdict. When the tables cannot be read it only warns (a later
    // check retries), unless this is the last chance before the deadline.
    void judge(bool last_chance);
    void give_up(std::vector<std::string> missing);
    void abort_with(const std::string& reason);
    void deliver(const Report& report);

    Settings settings_;
    // Reads the audit log(s) on its own thread; gone after the verdict.
    std::unique_ptr<AuditFollower> audit_;
    TopicIndex topic_;
    std::map<int32_t, Position> source_positions_;
    std::map<int32_t, Position> dlq_positions_;
    std::unique_ptr<PgReader> database_;
    bool warned_foreign_topic_ = false;
    bool source_seen_ = false;

    Clock::time_point started_;
    Clock::time_point deadline_;
    Clock::time_point next_check_;
    Clock::time_point next_progress_log_;
    bool judged_ = false;
    std::optional<Clock::time_point> audit_complete_at_;  // first check that found it complete
    std::string last_missing_;  // what the last check still waited for
};

}  // namespace ingest::plugins::sink_validator
