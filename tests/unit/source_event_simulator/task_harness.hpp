// The host side of a simulator task for the unit tests: collects log lines and emitted records,
// and plays the broker by confirming records at per-partition offsets.
#pragma once

#include "case_rates.hpp"
#include "simulator_task.hpp"
#include "temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ingest::plugins::source_event_simulator::testing {

using ingest::testing::read_lines;
using Clock = std::chrono::steady_clock;

struct Emitted {
    std::string key;
    std::optional<std::string> value;
    uint64_t correlation;
};

class Harness {
   public:
    explicit Harness(int32_t task_id = 0, int32_t task_count = 1) {
        raw_.abi_version = INGEST_ABI_MAJOR;
        raw_.struct_size = sizeof(ingest_host);
        raw_.context = this;
        raw_.connector_name = "user-events-simulator";
        raw_.task_id = task_id;
        raw_.task_count = task_count;
        raw_.log = [](void* context, ingest_log_level, const char* message) {
            static_cast<Harness*>(context)->logs.emplace_back(message);
        };
        task.attach(sdk::Host(&raw_));
    }

    sdk::SourceTask::PollResult poll() {
        sdk::Emitter emitter(
            [](void* context, const ingest_source_record* record) {
                auto* self = static_cast<Harness*>(context);
                Emitted copy{std::string(record->key.data, record->key.size), std::nullopt,
                             record->correlation};
                if (record->value.data) copy.value = std::string(record->value.data, record->value.size);
                self->pending.push_back(copy.correlation);
                self->emitted.push_back(std::move(copy));
            },
            this);
        return task.poll(emitter);
    }

    void confirm(uint64_t correlation) {
        const int32_t partition = static_cast<int32_t>(correlation % 6);
        task.on_delivered(correlation, partition, next_offset_[partition]++, {});
    }

    void confirm_all() {
        for (uint64_t correlation : pending) confirm(correlation);
        pending.clear();
    }

    // Polls and confirms until poll() says End; fails the test after `deadline`.
    void run_to_end(std::chrono::seconds deadline = std::chrono::seconds(30)) {
        const auto until = Clock::now() + deadline;
        while (poll() != sdk::SourceTask::PollResult::End) {
            confirm_all();
            ASSERT_LT(Clock::now(), until) << "the stream did not end";
        }
        confirm_all();
    }

    bool logged(std::string_view needle) const {
        for (const auto& line : logs)
            if (line.find(needle) != std::string::npos) return true;
        return false;
    }

    SimulatorTask task;
    std::vector<Emitted> emitted;
    std::vector<uint64_t> pending;
    std::vector<std::string> logs;

   private:
    ingest_host raw_{};
    std::map<int32_t, int64_t> next_offset_;
};

inline SimulatorConfig small_config(const std::string& audit_path, uint64_t events = 10'000) {
    SimulatorConfig config = with_rates(default_config(), {0.05, 0.05, 0.03, 0.01, 0.01, 0.05});
    config.events = events;
    config.seed = 99;
    config.audit_log = audit_path;
    config.audit_flush_records = 1000;
    config.progress_interval_ms = 0;
    return config;
}

inline std::vector<boost::json::object> parse_lines(const std::string& path) {
    std::vector<boost::json::object> lines;
    for (const auto& line : read_lines(path)) lines.push_back(boost::json::parse(line).as_object());
    return lines;
}

}  // namespace ingest::plugins::source_event_simulator::testing
