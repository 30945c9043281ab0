// The plugin ABI grows without breaking what was built before: a plugin built against the frozen
// ABI 1.0 headers and a C plugin with tables shorter than the runner's both load and move records
// end to end on the embedded broker; a ConfigDef's cross-key rule reaches the runner through the
// descriptor's validate hook.
#include "config/connector_config.hpp"
#include "plugin_host/plugin_library.hpp"
#include "worker/worker.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

namespace {

using ingest::plugin_host::PluginLibrary;
using ingest::worker::run_worker;
using ingest::worker::WorkerOptions;

const std::filesystem::path kFixtures = FIXTURE_DIR;

class AbiCompatTest : public ::testing::Test {
   protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_ / "connectors");
        options_.connectors_dir = dir_ / "connectors";
        options_.state_dir = dir_ / "state";
        options_.plugin_path = {kFixtures};
    }

    void write_connector(const std::string& file, const std::string& json) {
        std::ofstream(dir_ / "connectors" / file) << json;
    }
    std::vector<std::string> lines(const std::string& file) const {
        return ingest::testing::read_lines(dir_ / file);
    }
    std::string source_config(const std::string& plugin, int count) const {
        return R"({"name": "counter", "config": {"plugin": ")" + plugin +
               R"(", "topic": "numbers", "topic.partitions": 2, "count": )" + std::to_string(count) +
               R"(, "tombstone.every": 10, "deliveries.file": ")" + (dir_ / "deliveries.txt").string() + R"("}})";
    }

    ingest::testing::TempDir dir_{"ingest-abi"};
    WorkerOptions options_;
    std::atomic<bool> stop_{false};
};

TEST_F(AbiCompatTest, APluginBuiltAgainstAbi_1_0RunsEndToEnd) {
    const int count = 2000;
    write_connector("counter.json", source_config("fixture_abi_1_0_source", count));
    write_connector("recorder.json", R"({"name": "recorder", "config": {
        "plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 100,
        "expect": )" + std::to_string(count) + R"(, "records.file": ")" + (dir_ / "records.txt").string() + R"("}})");
    options_.until_done = true;

    ASSERT_EQ(run_worker(options_, stop_), 0);

    // Its delivery reports came back through its 1.0 source table...
    std::set<long long> delivered;
    for (const auto& line : lines("deliveries.txt")) {
        ASSERT_NE(line.find(" ok"), std::string::npos) << line;
        delivered.insert(std::stoll(line));
    }
    EXPECT_EQ(delivered.size(), static_cast<size_t>(count));
    // ...and its records reached the sink, tombstones included.
    auto records = lines("records.txt");
    EXPECT_EQ(records.size(), static_cast<size_t>(count));
    EXPECT_EQ(std::count_if(records.begin(), records.end(),
                            [](const std::string& r) { return r.find("<tombstone>") != std::string::npos; }),
              count / 10);
}

TEST_F(AbiCompatTest, ACPluginWithShortTablesConsumesEverything) {
    const int count = 1000;
    write_connector("counter.json", source_config("fixture_counting_source", count));
    write_connector("short.json", R"({"name": "short", "config": {
        "plugin": "fixture_small_structs_sink", "topics": "numbers", "batch.max.ms": 100,
        "records.file": ")" + (dir_ / "short.txt").string() + R"("}})");

    int exit_code = -1;
    std::thread worker([&] { exit_code = run_worker(options_, stop_); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (lines("short.txt").size() < static_cast<size_t>(count) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop_ = true;
    ingest::worker::notify_worker();
    worker.join();

    EXPECT_EQ(exit_code, 0);
    auto records = lines("short.txt");
    ASSERT_EQ(records.size(), static_cast<size_t>(count));
    EXPECT_EQ(std::count(records.begin(), records.end(), "-"), count / 10);
}

TEST(ValidateHook, ReportsACrossKeyProblemBeforeAnythingStarts) {
    auto library = PluginLibrary::load(kFixtures / "fixture_recording_sink.so");
    ASSERT_NE(library->descriptor().validate, nullptr);
    ingest::config::ConnectorSpec spec{"recorder.json", "recorder",
                                       {{"plugin", "fixture_recording_sink"},
                                        {"topics", "numbers"},
                                        {"records.file", "/dev/null"},
                                        {"expect", "50"},
                                        {"expect.at.most", "10"}}};
    try {
        ingest::config::validate_connector(spec, library->descriptor());
        ADD_FAILURE() << "a config breaking the plugin's rule was accepted";
    } catch (const ingest::config::ConfigError& error) {
        ASSERT_EQ(error.problems().size(), 1u);
        EXPECT_EQ(error.problems()[0].key, "expect");
        EXPECT_EQ(error.problems()[0].message, "is 50, more than expect.at.most (10)");
    }
    spec.raw["expect.at.most"] = "50";
    EXPECT_NO_THROW(ingest::config::validate_connector(spec, library->descriptor()));
}

}  // namespace
