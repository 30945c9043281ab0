// `run_worker` as `ingest run` uses it (no --until-done), on the embedded broker: a file dropped
// into connectors.d/ while it runs starts its connector (its new topic created first), an invalid
// version shows in status.json while the old one runs, and a target state saved before the start
// is restored.
#include "worker/worker.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

namespace {

using namespace std::chrono_literals;

class WorkerReloadTest : public ::testing::Test {
   protected:
    void SetUp() override {
        std::filesystem::create_directories(connectors_);
        options_.connectors_dir = connectors_;
        options_.state_dir = dir_ / "state";
        options_.plugin_path = {FIXTURE_DIR};
    }
    void TearDown() override {
        stop_.store(true);
        ingest::worker::notify_worker();
        if (run_.valid()) run_.wait();
    }

    void start() {
        run_ = std::async(std::launch::async, [this] { return ingest::worker::run_worker(options_, stop_); });
    }
    int stop() {
        stop_.store(true);
        ingest::worker::notify_worker();
        return run_.get();
    }
    void write(const std::string& file, const std::string& text) { std::ofstream(connectors_ / file) << text; }
    std::string source_json(const std::string& name, const std::string& topic) const {
        return R"({"name": ")" + name + R"(", "config": {"plugin": "fixture_paced_source", "topic": ")" + topic +
               R"(", "topic.partitions": 2, "rate": 2000}})";
    }
    std::string recorder_json(const std::string& topic, const std::string& file, const std::string& extra = "") const {
        return R"({"name": "recorder", "config": {"plugin": "fixture_recording_sink", "topics": ")" + topic +
               R"(", "batch.max.ms": 50, "records.file": ")" + (dir_ / file).string() + "\"" + extra + "}}";
    }
    size_t lines(const std::string& file) const { return ingest::testing::read_lines(dir_ / file).size(); }

    // The connector's entry in status.json (null until it is there).
    boost::json::value status_of(const std::string& name) const {
        std::string text = ingest::testing::read_file(options_.state_dir / "status.json");
        boost::system::error_code ec;
        auto all = boost::json::parse(text, ec);
        if (ec || !all.is_array()) return nullptr;
        for (const auto& entry : all.as_array())
            if (entry.at("name").as_string() == name) return entry;
        return nullptr;
    }
    std::string connector_field(const std::string& name, const std::string& field) const {
        auto status = status_of(name);
        if (status.is_null()) return "";
        const auto* value = status.at("connector").as_object().if_contains(field);
        return value && value->is_string() ? std::string(value->as_string()) : "";
    }
    std::string task_state(const std::string& name) const {
        auto status = status_of(name);
        if (status.is_null() || status.at("tasks").as_array().empty()) return "";
        return std::string(status.at("tasks").as_array().at(0).at("state").as_string());
    }
    // Polls files the worker writes, until `condition` holds or the deadline passes.
    static bool eventually(const std::function<bool()>& condition, std::chrono::seconds deadline = 30s) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (!condition()) {
            if (std::chrono::steady_clock::now() >= until) return false;
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }

    ingest::testing::TempDir dir_{"ingest-reload"};
    const std::filesystem::path connectors_ = dir_ / "connectors.d";
    ingest::worker::WorkerOptions options_;
    std::atomic<bool> stop_{false};
    std::future<int> run_;
};

TEST_F(WorkerReloadTest, AFileDroppedInWhileRunningStartsAndAnInvalidVersionIsShownWhileTheOldRuns) {
    write("numbers.json", source_json("numbers", "numbers"));
    start();
    ASSERT_TRUE(eventually([&] { return task_state("numbers") == "RUNNING"; }));

    // A new source on a topic nobody created yet, and a sink reading it.
    write("letters.json", source_json("letters", "letters"));
    write("recorder.json", recorder_json("letters", "letters.txt"));
    ASSERT_TRUE(eventually([&] { return lines("letters.txt") > 0; }));

    write("recorder.json", recorder_json("letters", "other.txt", R"(, "no.such.key": "1")"));
    ASSERT_TRUE(eventually([&] { return !connector_field("recorder", "config_error").empty(); }));
    EXPECT_NE(connector_field("recorder", "config_error").find("no.such.key"), std::string::npos);
    const size_t before = lines("letters.txt");
    ASSERT_TRUE(eventually([&] { return lines("letters.txt") >= before + 200; })) << "the old version stopped";
    EXPECT_EQ(lines("other.txt"), 0u);

    std::filesystem::remove(connectors_ / "letters.json");
    ASSERT_TRUE(eventually([&] { return status_of("letters").is_null(); }));
    EXPECT_EQ(stop(), ingest::worker::kOk);
}

TEST_F(WorkerReloadTest, ATargetStateSavedBeforeTheStartIsRestored) {
    std::filesystem::create_directories(options_.state_dir);
    std::ofstream(options_.state_dir / "target-states.json")
        << R"({"connectors": {"numbers": "PAUSED", "gone": "STOPPED"}})";
    write("numbers.json", source_json("numbers", "numbers"));
    write("recorder.json", recorder_json("numbers", "numbers.txt"));
    start();
    ASSERT_TRUE(eventually([&] { return task_state("numbers") == "PAUSED" && task_state("recorder") == "RUNNING"; }));
    EXPECT_EQ(connector_field("numbers", "state"), "PAUSED");
    // The entry of a connector that has no file any more is forgotten.
    auto saved = boost::json::parse(ingest::testing::read_file(options_.state_dir / "target-states.json"));
    EXPECT_FALSE(saved.at("connectors").as_object().contains("gone"));
    EXPECT_TRUE(saved.at("connectors").as_object().contains("numbers"));
    EXPECT_EQ(lines("numbers.txt"), 0u);
    EXPECT_EQ(stop(), ingest::worker::kOk);
}

// An empty connectors.d/ is a worker waiting for connectors; the first file dropped in runs.
TEST_F(WorkerReloadTest, AnEmptyDirectoryStartsAWorkerThatWaitsForConnectors) {
    start();
    ASSERT_TRUE(eventually([&] {
        return std::filesystem::exists(options_.state_dir / "status.json") ||
               run_.wait_for(0s) == std::future_status::ready;
    }));
    ASSERT_NE(run_.wait_for(0s), std::future_status::ready) << "the worker exited " << run_.get();
    EXPECT_EQ(boost::json::parse(ingest::testing::read_file(options_.state_dir / "status.json")), boost::json::array{});

    write("numbers.json", source_json("numbers", "numbers"));
    write("recorder.json", recorder_json("numbers", "numbers.txt"));
    ASSERT_TRUE(eventually([&] { return lines("numbers.txt") > 0; }));
    EXPECT_EQ(stop(), ingest::worker::kOk);
}

// A directory that is not there (or not a directory) is refused before anything starts, and so is
// an empty one for a batch run (--until-done), which would otherwise succeed at doing nothing.
TEST_F(WorkerReloadTest, AMissingDirectoryOrAnEmptyOneForABatchIsRefused) {
    std::atomic<bool> never{false};
    auto missing = options_;
    missing.connectors_dir = dir_ / "no-such-dir";
    EXPECT_EQ(ingest::worker::run_worker(missing, never), ingest::worker::kBadConfig);
    auto file = options_;
    file.connectors_dir = dir_ / "a-file.json";
    std::ofstream(file.connectors_dir) << "{}";
    EXPECT_EQ(ingest::worker::run_worker(file, never), ingest::worker::kBadConfig);
    auto batch = options_;
    batch.until_done = true;
    EXPECT_EQ(ingest::worker::run_worker(batch, never), ingest::worker::kBadConfig);
    EXPECT_FALSE(std::filesystem::exists(options_.state_dir / "status.json")) << "something was started";
}

}  // namespace
