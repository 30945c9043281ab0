// The herder on the embedded broker with fixture plugins: each operation on one connector, the
// status transitions it causes, and that the other connectors' tasks are not disturbed.
#include "config/connector_config.hpp"
#include "kafka/mock_cluster.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "worker/standalone_herder.hpp"

#include "herder_wait.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <functional>

namespace {

using namespace std::chrono_literals;
using ingest::worker::ConnectorDefinition;
using ingest::worker::ConnectorStatus;
using ingest::worker::Herder;
using ingest::worker::State;
using ingest::worker::TargetState;

const std::filesystem::path kFixtures = FIXTURE_DIR;
const std::filesystem::path kBadFixtures = BAD_FIXTURE_DIR;

class HerderTest : public ::testing::Test {
   protected:
    void SetUp() override {
        cluster_.create_topic("numbers", 3);
        cluster_.create_topic("numbers.dlq", 1);
        herder_ = std::make_unique<ingest::worker::StandaloneHerder>(
            ingest::worker::HerderOptions{cluster_.bootstrap(), "test-worker", {}});
    }
    void TearDown() override {
        herder_.reset();
    }

    ConnectorDefinition define(const std::string& name, const std::string& config_json) {
        auto spec = ingest::config::parse_connector(R"({"name": ")" + name + R"(", "config": )" + config_json + "}",
                                                   name + ".json", name, ingest::config::process_env());
        auto library = catalog_.find(ingest::config::plugin_name_of(spec));
        return {ingest::config::validate_connector(spec, library->descriptor()), library};
    }
    ConnectorDefinition source(int rate) {
        return define("source", R"({"plugin": "fixture_paced_source", "topic": "numbers", "topic.partitions": 3,
                                    "rate": )" + std::to_string(rate) + "}");
    }
    ConnectorDefinition recorder(const std::string& name, const std::string& file) {
        return define(name, R"({"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 50,
                                "records.file": ")" + (dir_ / file).string() + R"("})");
    }

    size_t lines(const std::string& file) const { return ingest::testing::read_lines(dir_ / file).size(); }
    ConnectorStatus status(const std::string& name) const {
        auto found = herder_->status(name);
        if (!found) throw std::runtime_error("no status for " + name);
        return *found;
    }
    bool task_in(const std::string& name, State state) const {
        auto s = status(name);
        return !s.tasks.empty() && std::all_of(s.tasks.begin(), s.tasks.end(), [&](const auto& t) { return t.state == state; });
    }

    // Waits for `condition` with a deadline: woken by every status change, and at least every
    // 50 ms for conditions on files.
    bool eventually(const std::function<bool()>& condition, std::chrono::seconds deadline = 30s) {
        return ingest::testing::eventually(*herder_, condition, deadline, 50ms);
    }

    ingest::testing::TempDir dir_{"ingest-herder"};
    ingest::kafka::MockCluster cluster_;
    ingest::plugin_host::PluginCatalog catalog_ = ingest::plugin_host::PluginCatalog::scan({kFixtures, kBadFixtures});
    std::unique_ptr<Herder> herder_;
};

TEST_F(HerderTest, PausingStoppingRestartingAndReplacingOneConnectorLeaveTheOthersRunning) {
    EXPECT_TRUE(herder_->apply(source(2000)));
    EXPECT_TRUE(herder_->apply(recorder("a", "a.txt")));
    EXPECT_TRUE(herder_->apply(recorder("b", "b.txt")));
    ASSERT_TRUE(eventually([&] { return lines("a.txt") > 0 && lines("b.txt") > 0; }));
    EXPECT_TRUE(task_in("source", State::running));
    EXPECT_EQ(herder_->connectors(), (std::vector<std::string>{"a", "b", "source"}));

    // The others keep making progress while b is held, and b makes none.
    auto others_progress_while_b_is_held = [&] {
        const size_t b_before = lines("b.txt"), a_before = lines("a.txt");
        EXPECT_TRUE(eventually([&] { return lines("a.txt") >= a_before + 500; })) << "a made no progress";
        EXPECT_EQ(lines("b.txt"), b_before) << "b made progress while held";
        EXPECT_TRUE(task_in("a", State::running));
        EXPECT_TRUE(task_in("source", State::running));
    };

    // PAUSED: the task stays, makes no progress, and goes on where it was after resume.
    herder_->pause("b");
    EXPECT_EQ(status("b").state, State::paused);
    EXPECT_EQ(herder_->target_state("b"), TargetState::paused);
    ASSERT_TRUE(eventually([&] { return task_in("b", State::paused); }));
    others_progress_while_b_is_held();
    size_t held = lines("b.txt");
    herder_->resume("b");
    ASSERT_TRUE(eventually([&] { return task_in("b", State::running) && lines("b.txt") > held; }));
    EXPECT_EQ(status("b").state, State::running);

    // STOPPED: tasks gone, config kept; resume starts them again.
    herder_->stop("b");
    EXPECT_EQ(status("b").state, State::stopped);
    EXPECT_TRUE(status("b").tasks.empty());
    ASSERT_TRUE(herder_->definition("b"));
    others_progress_while_b_is_held();
    held = lines("b.txt");
    EXPECT_TRUE(herder_->restart("b", true, false).tasks.empty()) << "a stopped connector has nothing to restart";
    herder_->resume("b");
    ASSERT_TRUE(eventually([&] { return task_in("b", State::running) && lines("b.txt") > held; }));

    // Restart with its tasks: the restart is counted.
    auto restarted = herder_->restart("b", true, false);
    EXPECT_TRUE(restarted.connector);
    EXPECT_EQ(restarted.tasks, std::vector<int>{0});
    EXPECT_EQ(status("b").restarts, 1);
    EXPECT_EQ(status("b").tasks.at(0).restarts, 1);
    held = lines("b.txt");
    ASSERT_TRUE(eventually([&] { return task_in("b", State::running) && lines("b.txt") > held; }));
    // Only failed ones: nothing failed, nothing restarts.
    restarted = herder_->restart("b", true, true);
    EXPECT_FALSE(restarted.connector);
    EXPECT_TRUE(restarted.tasks.empty());

    // A new config replaces only b's tasks.
    EXPECT_FALSE(herder_->apply(recorder("b", "b2.txt")));
    ASSERT_TRUE(eventually([&] { return lines("b2.txt") > 0; }));
    EXPECT_EQ(status("a").tasks.at(0).restarts, 0);

    // Removed: gone from the registry; the others still run.
    EXPECT_TRUE(herder_->remove("b"));
    EXPECT_FALSE(herder_->status("b"));
    EXPECT_FALSE(herder_->remove("b"));
    EXPECT_THROW(herder_->pause("b"), ingest::worker::UnknownConnector);
    const size_t a_before = lines("a.txt");
    EXPECT_TRUE(eventually([&] { return lines("a.txt") >= a_before + 500; }));

    // Shutdown stops everything and keeps the last states.
    herder_->shutdown();
    EXPECT_TRUE(task_in("a", State::stopped));
    EXPECT_TRUE(task_in("source", State::stopped));
}

TEST_F(HerderTest, AConnectorCreatedPausedStartsNoWorkUntilResumed) {
    ASSERT_TRUE(herder_->apply(source(2000)));
    ASSERT_TRUE(herder_->apply(recorder("a", "a.txt"), TargetState::paused));
    ASSERT_TRUE(eventually([&] { return task_in("a", State::paused) && task_in("source", State::running); }));
    herder_->pause("source");
    ASSERT_TRUE(eventually([&] { return task_in("source", State::paused); }));
    herder_->resume("a");
    ASSERT_TRUE(eventually([&] { return task_in("a", State::running); }));
    herder_->resume("source");
    ASSERT_TRUE(eventually([&] { return task_in("source", State::running) && lines("a.txt") > 0; }));
}

TEST_F(HerderTest, AFailedTaskShowsItsTraceAndRestartsWhenAsked) {
    ASSERT_TRUE(herder_->apply(
        define("boom", R"({"plugin": "fixture_throwing_start", "topics": "numbers", "errors.restart.max": 0})")));
    ASSERT_TRUE(eventually([&] { return task_in("boom", State::failed); }));
    auto failed = status("boom");
    EXPECT_EQ(failed.state, State::running) << "the connector itself did not fail, its task did";
    EXPECT_NE(failed.tasks.at(0).trace.find("start exploded on purpose"), std::string::npos) << failed.tasks.at(0).trace;

    // Kafka Connect's status shape, from the one serialiser.
    auto json = ingest::worker::to_json(failed, herder_->worker_id());
    EXPECT_EQ(json.at("name").as_string(), "boom");
    EXPECT_EQ(json.at("type").as_string(), "sink");
    EXPECT_EQ(json.at("connector").at("state").as_string(), "RUNNING");
    EXPECT_EQ(json.at("connector").at("worker_id").as_string(), "test-worker");
    const auto& task = json.at("tasks").as_array().at(0);
    EXPECT_EQ(task.at("id").as_int64(), 0);
    EXPECT_EQ(task.at("state").as_string(), "FAILED");
    EXPECT_EQ(task.at("worker_id").as_string(), "test-worker");
    EXPECT_NE(task.at("trace").as_string().find("start exploded"), boost::json::string::npos);

    auto restarted = herder_->restart("boom", true, true);
    EXPECT_FALSE(restarted.connector);
    EXPECT_EQ(restarted.tasks, std::vector<int>{0});
    ASSERT_TRUE(eventually([&] { return task_in("boom", State::failed) && status("boom").tasks[0].restarts == 1; }));
    herder_->restart_task("boom", 0);
    ASSERT_TRUE(eventually([&] { return task_in("boom", State::failed) && status("boom").tasks[0].restarts == 2; }));
    EXPECT_THROW(herder_->restart_task("boom", 1), std::out_of_range);
}

TEST_F(HerderTest, AConnectorThatCannotBePreparedFailsAloneAndRecoversOnRestart) {
    herder_.reset();
    bool topics_ready = false;
    herder_ = std::make_unique<ingest::worker::StandaloneHerder>(ingest::worker::HerderOptions{
        cluster_.bootstrap(), "test-worker", [&](const ingest::config::ConnectorConfig& config) {
            if (config.name == "b" && !topics_ready) throw std::runtime_error("cannot create topic 'numbers'");
        }});
    ASSERT_TRUE(herder_->apply(source(1000)));
    ASSERT_TRUE(herder_->apply(recorder("b", "b.txt")));
    EXPECT_EQ(status("b").state, State::failed);
    EXPECT_EQ(status("b").trace, "cannot create topic 'numbers'");
    EXPECT_TRUE(status("b").tasks.empty());
    ASSERT_TRUE(eventually([&] { return task_in("source", State::running); }));

    topics_ready = true;
    auto restarted = herder_->restart("b", false, true);
    EXPECT_TRUE(restarted.connector);
    EXPECT_EQ(status("b").state, State::running);
    ASSERT_TRUE(eventually([&] { return task_in("b", State::running) && lines("b.txt") > 0; }));
}

// A put() that keeps failing retriably does not block the task: the consumer is polled while the
// batch waits (partitions paused), the batch goes through once the "database" is back, and a stop
// request ends the waiting at once instead of after the backoff.
TEST_F(HerderTest, ARetriedBatchNeitherBlocksTheTaskNorDelaysItsStop) {
    const auto down = dir_ / "database-down";
    std::ofstream(down) << "down\n";
    ASSERT_TRUE(herder_->apply(source(500)));
    ASSERT_TRUE(herder_->apply(define("flaky", R"({"plugin": "fixture_flaky_sink", "topics": "numbers",
        "batch.max.ms": 50, "records.file": ")" + (dir_ / "records.txt").string() + R"(",
        "down.while.file": ")" + down.string() + R"(", "attempts.file": ")" + (dir_ / "attempts.txt").string() + R"("})")));
    ASSERT_TRUE(eventually([&] { return lines("attempts.txt") >= 3; }));
    EXPECT_EQ(lines("records.txt"), 0u);
    EXPECT_TRUE(task_in("flaky", State::running)) << "retrying is not failing";

    std::filesystem::remove(down);
    ASSERT_TRUE(eventually([&] { return lines("records.txt") > 0; }));
    const size_t recovered = lines("records.txt");
    ASSERT_TRUE(eventually([&] { return lines("records.txt") > recovered; })) << "consumption resumed after the retry";

    // Down again, long enough for the backoff to grow; then stop.
    std::ofstream(down) << "down\n";
    const size_t attempts = lines("attempts.txt");
    ASSERT_TRUE(eventually([&] { return lines("attempts.txt") >= attempts + 4; }));
    auto asked = std::chrono::steady_clock::now();
    herder_->stop("flaky");
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s) << "the stop waited for the backoff";
    EXPECT_EQ(status("flaky").state, State::stopped);
}

// KIP-875 offsets of a sink that owns them: read through the plugin (ABI 1.3) in any state, altered
// and reset only while STOPPED, and a reset makes the sink start again from the beginning.
TEST_F(HerderTest, OffsetsOfASinkThatOwnsThemAreReadAlteredAndResetThroughThePlugin) {
    const auto offsets_file = dir_ / "offsets.txt";
    ASSERT_TRUE(herder_->apply(define("counted", R"({"plugin": "fixture_paced_source", "topic": "numbers",
        "topic.partitions": 3, "rate": 3000, "count": 300})")));
    ASSERT_TRUE(herder_->apply(define("owner", R"({"plugin": "fixture_offset_owning_sink", "topics": "numbers",
        "batch.max.ms": 50, "offsets.file": ")" + offsets_file.string() + R"(", "records.file": ")" +
                                                 (dir_ / "records.txt").string() + R"("})")));
    ASSERT_TRUE(eventually([&] { return lines("records.txt") == 300; }));

    auto total = [](const std::vector<ingest::worker::ConnectorOffset>& offsets) {
        int64_t sum = 0;
        for (const auto& o : offsets) sum += o.offset.value_or(0);
        return sum;
    };
    // Readable while running: the store's offsets, one per partition, summing to what was consumed.
    ASSERT_TRUE(eventually([&] { return total(herder_->offsets("owner")) == 300; }));
    auto stored = herder_->offsets("owner");
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_EQ(stored[0].topic, "numbers");
    EXPECT_EQ(stored[0].partition, 0);

    // Not while it runs.
    EXPECT_THROW(herder_->alter_offsets("owner", {{"numbers", 0, 1}}), ingest::worker::ConnectorNotStopped);
    EXPECT_THROW(herder_->reset_offsets("owner"), ingest::worker::ConnectorNotStopped);
    EXPECT_THROW(herder_->offsets("nobody"), ingest::worker::UnknownConnector);

    herder_->stop("owner");
    // A topic it does not consume and a negative offset are refused; nothing changes.
    EXPECT_THROW(herder_->alter_offsets("owner", {{"letters", 0, 1}}), ingest::worker::OffsetsRefused);
    EXPECT_THROW(herder_->alter_offsets("owner", {{"numbers", 0, -5}}), ingest::worker::OffsetsRefused);
    EXPECT_EQ(herder_->offsets("owner"), stored);

    herder_->alter_offsets("owner", {{"numbers", 0, 7}, {"numbers", 1, std::nullopt}});
    auto altered = herder_->offsets("owner");
    ASSERT_EQ(altered.size(), 2u);
    EXPECT_EQ(altered[0], (ingest::worker::ConnectorOffset{"numbers", 0, 7}));
    EXPECT_EQ(altered[1], stored[2]);

    herder_->reset_offsets("owner");
    EXPECT_TRUE(herder_->offsets("owner").empty());
    EXPECT_TRUE(ingest::testing::read_lines(offsets_file).empty());

    // From the beginning again: every record a second time.
    herder_->resume("owner");
    ASSERT_TRUE(eventually([&] { return lines("records.txt") == 600; }));
    ASSERT_TRUE(eventually([&] { return total(herder_->offsets("owner")) == 300; }));
}

// A source keeps no offsets in this runner: nothing to list or reset, and nothing to alter. (A sink
// whose offsets are its consumer group's is tested on the real broker, integration.offsets_reset:
// the embedded mock broker does not serve the admin API's group-offset requests.)
TEST_F(HerderTest, SourcesHaveNoOffsets) {
    ASSERT_TRUE(herder_->apply(define("counted", R"({"plugin": "fixture_paced_source", "topic": "numbers",
        "topic.partitions": 3, "rate": 3000, "count": 300})")));
    EXPECT_TRUE(herder_->offsets("counted").empty());
    EXPECT_THROW(herder_->reset_offsets("counted"), ingest::worker::ConnectorNotStopped);
    herder_->stop("counted");
    EXPECT_THROW(herder_->alter_offsets("counted", {{"numbers", 0, 0}}), ingest::worker::OffsetsRefused);
    EXPECT_NO_THROW(herder_->reset_offsets("counted"));
}

}  // namespace
