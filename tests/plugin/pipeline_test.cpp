// The runner end to end on the embedded broker: a fixture source through Kafka into a fixture
// sink, dead letters included; and configs the runner must refuse before it starts anything.
#include "kafka/mock_cluster.hpp"
#include "log/logging.hpp"
#include "worker/worker.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace {

using ingest::worker::run_worker;
using ingest::worker::WorkerOptions;

const std::filesystem::path kFixtures = FIXTURE_DIR;

class PipelineTest : public ::testing::Test {
   protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_ / "connectors");
        options_.connectors_dir = dir_ / "connectors";
        options_.state_dir = dir_ / "state";
        options_.plugin_path = {kFixtures};
        options_.until_done = true;
    }

    void write_connector(const std::string& file, const std::string& json) {
        std::ofstream(dir_ / "connectors" / file) << json;
    }
    std::vector<std::string> lines(const std::string& file) {
        return ingest::testing::read_lines(dir_ / file);
    }

    ingest::testing::TempDir dir_{"ingest-pipeline"};
    WorkerOptions options_;
    std::atomic<bool> stop_{false};
};

TEST_F(PipelineTest, EveryDeliveredRecordReachesTheSinkOrItsDeadLetterTopic) {
    const int count = 5000;
    write_connector("counter.json", R"({"name": "counter", "config": {
        "plugin": "fixture_counting_source", "topic": "numbers", "topic.partitions": 3,
        "count": )" + std::to_string(count) + R"(, "tombstone.every": 10, "bad.every": 7,
        "deliveries.file": ")" + (dir_ / "deliveries.txt").string() + R"("}})");
    write_connector("recorder.json", R"({"name": "recorder", "config": {
        "plugin": "fixture_recording_sink", "topics": "numbers, numbers.dlq", "batch.max.ms": 100,
        "expect": )" + std::to_string(count) + R"(, "records.file": ")" + (dir_ / "records.txt").string() + R"("}})");

    ASSERT_EQ(run_worker(options_, stop_), 0);

    // What the source was told was delivered...
    std::set<std::pair<int, long long>> delivered;
    for (const auto& line : lines("deliveries.txt")) {
        std::istringstream in(line);
        long long correlation, offset;
        int partition;
        std::string status;
        in >> correlation >> partition >> offset >> status;
        ASSERT_EQ(status, "ok") << line;
        delivered.insert({partition, offset});
    }
    ASSERT_EQ(delivered.size(), static_cast<size_t>(count));

    // ...is exactly what the sink saw, directly or via the dead-letter topic.
    std::set<std::pair<int, long long>> seen;
    int dead_letters = 0, tombstones = 0;
    for (const auto& line : lines("records.txt")) {
        std::istringstream in(line);
        std::string topic;
        int partition;
        long long offset;
        in >> topic;
        if (topic == "dlq") {
            in >> topic;
            ++dead_letters;
            EXPECT_NE(line.find("value is bad"), std::string::npos) << line;
        }
        in >> partition >> offset;
        EXPECT_EQ(topic, "numbers") << line;
        EXPECT_TRUE(seen.insert({partition, offset}).second) << "seen twice: " << line;
        if (line.find("<tombstone>") != std::string::npos) ++tombstones;
    }
    EXPECT_EQ(seen, delivered);
    // A record that is both every 10th and every 7th is a tombstone, not "bad".
    EXPECT_EQ(dead_letters, count / 7 - count / 70);
    EXPECT_EQ(tombstones, count / 10);
    EXPECT_TRUE(std::filesystem::exists(options_.state_dir / "bootstrap"));

    // The status file: Kafka Connect's status shape per connector, as the run ended.
    std::ifstream status_file(options_.state_dir / "status.json");
    std::stringstream text;
    text << status_file.rdbuf();
    auto statuses = boost::json::parse(text.str()).as_array();
    ASSERT_EQ(statuses.size(), 2u);
    const auto& counter = statuses[0].as_object();
    EXPECT_EQ(counter.at("name").as_string(), "counter");
    EXPECT_EQ(counter.at("type").as_string(), "source");
    EXPECT_EQ(counter.at("tasks").at(0).at("state").as_string(), "FINISHED");
    const auto& recorder = statuses[1].as_object();
    EXPECT_EQ(recorder.at("type").as_string(), "sink");
    EXPECT_EQ(recorder.at("connector").at("state").as_string(), "RUNNING");
    EXPECT_EQ(recorder.at("tasks").at(0).at("state").as_string(), "STOPPED");
    EXPECT_TRUE(recorder.at("tasks").at(0).at("verdict").at("passed").as_bool());
}

// The mock keeps at most 5 MiB per partition and drops older batches silently. A consumer whose
// committed position was dropped must fail loudly, not reset and skip what it never saw.
TEST_F(PipelineTest, AConsumerWhosePositionFellOffTheLogFailsLoudly) {
    ingest::kafka::MockCluster cluster;
    cluster.create_topic("numbers", 1);
    cluster.create_topic("numbers.dlq", 1);
    options_.bootstrap = cluster.bootstrap();
    auto source = [&](int count, int padding) {
        write_connector("counter.json", R"({"name": "counter", "config": {
            "plugin": "fixture_counting_source", "topic": "numbers", "count": )" + std::to_string(count) +
                                            R"(, "value.padding": )" + std::to_string(padding) +
                                            R"(, "deliveries.file": ")" + (dir_ / "deliveries.txt").string() + R"("}})");
    };
    auto sink = [&](int expect) {
        write_connector("recorder.json", R"({"name": "recorder", "config": {
            "plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 100, "errors.restart.max": 0,
            "expect": )" +
                                             std::to_string(expect) + R"(, "records.file": ")" +
                                             (dir_ / "records.txt").string() + R"("}})");
    };

    // 1: the sink reads 100 records and commits its position.
    source(100, 0);
    sink(100);
    ASSERT_EQ(run_worker(options_, stop_), 0);

    // 2: while the sink is away, 8 MiB more push the log start past its position.
    std::filesystem::remove(dir_ / "connectors" / "recorder.json");
    source(8 * 1024, 1024);
    ASSERT_EQ(run_worker(options_, stop_), 0);

    // 3: the sink comes back and must refuse to continue (restarting it would not help; the test
    // turns automatic restarts off so as not to wait them out).
    std::filesystem::remove(dir_ / "connectors" / "counter.json");
    sink(1);
    EXPECT_EQ(run_worker(options_, stop_), ingest::worker::kFailed);
    EXPECT_EQ(lines("records.txt").size(), 100u) << "nothing after the gap was consumed";
}

// A sink that owns its offsets resumes exactly where its own store says, whatever the consumer
// group committed; with nothing stored it starts at the beginning.
TEST_F(PipelineTest, ASinkThatOwnsItsOffsetsResumesExactlyThere) {
    ingest::kafka::MockCluster cluster;
    cluster.create_topic("numbers", 1);
    options_.bootstrap = cluster.bootstrap();
    const auto offsets_file = dir_ / "offsets.txt";
    auto sink = [&](int expect) {
        write_connector("owner.json", R"({"name": "owner", "config": {
            "plugin": "fixture_offset_owning_sink", "topics": "numbers", "batch.max.ms": 100,
            "offsets.file": ")" + offsets_file.string() + R"(", "records.file": ")" +
                                          (dir_ / "records.txt").string() + R"(", "expect": )" +
                                          std::to_string(expect) + "}}");
    };
    write_connector("counter.json", R"({"name": "counter", "config": {"plugin": "fixture_counting_source",
        "topic": "numbers", "count": 1000, "deliveries.file": ")" + (dir_ / "deliveries.txt").string() + R"("}})");
    sink(1000);
    ASSERT_EQ(run_worker(options_, stop_), 0);
    std::filesystem::remove(dir_ / "connectors" / "counter.json");
    ASSERT_EQ(lines("records.txt").size(), 1000u);
    ASSERT_EQ(lines("offsets.txt"), std::vector<std::string>{"numbers 0 1000"});

    // The store says 500 (as after restoring a backup): offsets 500..999 come again, although the
    // group committed 1000.
    std::ofstream(offsets_file) << "numbers 0 500\n";
    std::filesystem::remove(dir_ / "records.txt");
    sink(500);
    ASSERT_EQ(run_worker(options_, stop_), 0);
    auto replayed = lines("records.txt");
    ASSERT_EQ(replayed.size(), 500u);
    EXPECT_EQ(replayed.front(), "0 500");
    EXPECT_EQ(replayed.back(), "0 999");

    // Nothing stored: from the beginning.
    std::filesystem::remove(offsets_file);
    std::filesystem::remove(dir_ / "records.txt");
    sink(1000);
    ASSERT_EQ(run_worker(options_, stop_), 0);
    EXPECT_EQ(lines("records.txt").front(), "0 0");
    EXPECT_EQ(lines("records.txt").size(), 1000u);
}

// Where a partition starts must be known before anything is consumed; when the broker will not
// say (here: the log start of a sink that starts from the beginning), the task fails, loudly,
// instead of sitting in its group with nothing assigned.
TEST_F(PipelineTest, ASinkWhoseStartingOffsetCannotBeLookedUpFails) {
    ingest::kafka::MockCluster cluster;
    cluster.create_topic("numbers", 1);
    options_.bootstrap = cluster.bootstrap();
    write_connector("owner.json", R"({"name": "owner", "config": {
        "plugin": "fixture_offset_owning_sink", "topics": "numbers", "errors.restart.max": 0,
        "offsets.file": ")" + (dir_ / "offsets.txt").string() + R"(", "records.file": ")" +
                                      (dir_ / "records.txt").string() + R"("}})");
    const int16_t kListOffsets = 2;  // the Kafka protocol's API key
    // Enough refusals to outlast the worker's own readiness check of the topic (ensure_topics asks
    // every partition for its offsets, for at most 5 s, then leaves it to the clients).
    cluster.fail_requests(kListOffsets, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, 100000);
    // Before the fix the run never ended: bound it, so that a regression fails instead of hanging.
    std::thread watchdog([this] {
        for (int i = 0; i < 600 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        stop_ = true;
        ingest::worker::notify_worker();
    });
    const int status = run_worker(options_, stop_);
    const bool stopped_by_watchdog = stop_.exchange(true);
    watchdog.join();
    EXPECT_FALSE(stopped_by_watchdog) << "the task idled with nothing assigned until the watchdog stopped the run";
    EXPECT_EQ(status, ingest::worker::kFailed);
}

TEST_F(PipelineTest, RefusesUnknownKeysAndReportsEveryProblemBeforeStarting) {
    write_connector("recorder.json", R"({"name": "recorder", "config": {
        "plugin": "fixture_recording_sink", "topics": "numbers", "expect": -1, "colour": "blue",
        "batch.max.ms": "soon"}})");
    ASSERT_EQ(run_worker(options_, stop_), ingest::worker::kBadConfig);
}

TEST_F(PipelineTest, RefusesAConnectorNamingAMissingPlugin) {
    write_connector("x.json", R"({"config": {"plugin": "sink_nowhere", "topics": "numbers"}})");
    ASSERT_EQ(run_worker(options_, stop_), ingest::worker::kBadConfig);
}

// With --until-done a failed task ends the run once its automatic restarts are used up.
TEST_F(PipelineTest, AFailingTaskFailsTheRunWithoutCrashing) {
    options_.plugin_path = {kFixtures, BAD_FIXTURE_DIR};
    write_connector("boom.json", R"({"config": {"plugin": "fixture_throwing_start", "topics": "numbers",
        "errors.restart.max": 2, "errors.restart.backoff.ms": 20}})");
    ASSERT_EQ(run_worker(options_, stop_), ingest::worker::kFailed);
}

}  // namespace
