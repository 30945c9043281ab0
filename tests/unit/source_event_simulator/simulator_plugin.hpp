// The simulator as the runner drives it, for the tests of its behaviour at the plugin boundary
// (what it emits, the delivery reports it gets, restarts, its audit log): source_event_simulator.so
// loaded by the plugin test harness (ingest::harness), configured with a connector's keys, on a
// topic of kPartitions partitions. The core's own settings and generator serve as oracles.
#pragma once

#include "config.hpp"
#include "temp_dir.hpp"

#include <ingest/harness.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ingest::plugins::source_event_simulator::testing {

using ingest::harness::Config;
using ingest::harness::Emitted;
using ingest::testing::read_lines;
using Clock = std::chrono::steady_clock;

// What the runner creates the topic with by default (topic.partitions).
inline constexpr int32_t kPartitions = 6;

inline const harness::Plugin& simulator_plugin() {
    static const harness::Plugin plugin = harness::Plugin::load(SIMULATOR_PLUGIN_PATH);
    return plugin;
}

// One task of a simulator connector, task `task` of `tasks`.
class SimulatorSource : public harness::SourceTask {
   public:
    explicit SimulatorSource(const Config& config, int32_t task = 0, int32_t tasks = 1)
        : SourceTask(simulator_plugin(), config, options(task, tasks)) {
        host().set_partition_count(harness::kTopic, kPartitions);
    }

   private:
    static harness::TaskOptions options(int32_t task, int32_t tasks) {
        harness::TaskOptions options;
        options.connector = "user-events-simulator";
        options.task_id = task;
        options.task_count = tasks;
        return options;
    }
};

// A small stream with a share of every special case, as a connector's config.
inline Config small_config(const std::string& audit_path, uint64_t events = 10'000) {
    return {{"events", std::to_string(events)},
            {"seed", "99"},
            {"audit.log", audit_path},
            {"audit.flush.records", "1000"},
            {"progress.interval.ms", "0"},
            {"late.rate", "0.05"},
            {"duplicate.rate", "0.05"},
            {"correction.rate", "0.03"},
            {"invalidation.rate", "0.01"},
            {"deletion.rate", "0.01"},
            {"malformed.rate", "0.05"}};
}

// `config` with `changes` applied.
inline Config with(Config config, const Config& changes) {
    for (const auto& [key, value] : changes) config[key] = value;
    return config;
}

// The settings a task of `config` starts with (the runner fills the defaults in).
inline SimulatorConfig settings_of(const Config& config) {
    const sdk::OwnedConfig owned(simulator_plugin().resolve_config(config));
    return config_def().parse(owned.config());
}

inline ::testing::AssertionResult ok(const harness::Status& status) {
    if (status.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << status;
}

inline std::vector<boost::json::object> parse_lines(const std::string& path) {
    std::vector<boost::json::object> lines;
    for (const auto& line : read_lines(path)) lines.push_back(boost::json::parse(line).as_object());
    return lines;
}

}  // namespace ingest::plugins::source_event_simulator::testing
