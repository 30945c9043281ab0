// What the herder keeps and does on its own: target states that survive a worker restart, and
// failed tasks restarted automatically with backoff up to their limit. Embedded broker, fixture
// plugins.
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
using ingest::worker::State;
using ingest::worker::TargetState;

const std::filesystem::path kFixtures = FIXTURE_DIR;

class HerderRecoveryTest : public ::testing::Test {
   protected:
    void SetUp() override {
        cluster_.create_topic("numbers", 3);
        cluster_.create_topic("numbers.dlq", 1);
        start_worker();
    }
    void TearDown() override { herder_.reset(); }

    // A new herder on the same state directory, as after `ingest run` was restarted.
    void start_worker() {
        herder_.reset();
        herder_ = std::make_unique<ingest::worker::StandaloneHerder>(
            ingest::worker::HerderOptions{cluster_.bootstrap(), "test-worker", {}, states_file_});
    }

    ConnectorDefinition define(const std::string& name, const std::string& config_json) {
        auto spec = ingest::config::parse_connector(R"({"name": ")" + name + R"(", "config": )" + config_json + "}",
                                                   name + ".json", name, ingest::config::process_env());
        auto library = catalog_.find(ingest::config::plugin_name_of(spec));
        return {ingest::config::validate_connector(spec, library->descriptor()), library};
    }
    ConnectorDefinition source() {
        return define("source", R"({"plugin": "fixture_paced_source", "topic": "numbers", "rate": 2000})");
    }
    ConnectorDefinition recorder(const std::string& name) {
        return define(name, R"({"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 50,
                                "records.file": ")" + (dir_ / (name + ".txt")).string() + R"("})");
    }
    ConnectorDefinition flaky(const std::string& restart_keys) {
        return define("flaky", R"({"plugin": "fixture_flaky_sink", "topics": "numbers", "batch.max.ms": 50,
            "records.file": ")" + (dir_ / "flaky.txt").string() + R"(", "down.while.file": ")" +
                                   (dir_ / "never").string() + R"(", "attempts.file": ")" +
                                   (dir_ / "attempts.txt").string() + R"(", "fail.while.file": ")" +
                                   failing_.string() + "\", " + restart_keys + "}");
    }

    size_t lines(const std::string& file) const { return ingest::testing::read_lines(dir_ / file).size(); }
    ConnectorStatus status(const std::string& name) const { return *herder_->status(name); }
    bool task_in(const std::string& name, State state) const {
        auto s = herder_->status(name);
        return s && !s->tasks.empty() &&
               std::all_of(s->tasks.begin(), s->tasks.end(), [&](const auto& t) { return t.state == state; });
    }
    std::string saved_states() const { return ingest::testing::read_file(states_file_); }
    bool eventually(const std::function<bool()>& condition, std::chrono::seconds deadline = 30s) {
        return ingest::testing::eventually(*herder_, condition, deadline);
    }
    // Milliseconds between the fixture's failed starts.
    std::vector<long long> gaps_between_failed_starts() const {
        std::vector<long long> starts, gaps;
        for (const auto& line : ingest::testing::read_lines(dir_ / "attempts.txt"))
            if (line.rfind("start ", 0) == 0) starts.push_back(std::stoll(line.substr(6)));
        for (size_t i = 1; i < starts.size(); ++i) gaps.push_back(starts[i] - starts[i - 1]);
        return gaps;
    }

    ingest::testing::TempDir dir_{"ingest-recovery"};
    const std::filesystem::path states_file_ = dir_ / "state" / "target-states.json";
    const std::filesystem::path failing_ = dir_ / "failing";
    ingest::kafka::MockCluster cluster_;
    ingest::plugin_host::PluginCatalog catalog_ = ingest::plugin_host::PluginCatalog::scan({kFixtures, BAD_FIXTURE_DIR});
    std::unique_ptr<ingest::worker::StandaloneHerder> herder_;
};

TEST_F(HerderRecoveryTest, PausedAndStoppedConnectorsComeBackSoAfterAWorkerRestart) {
    for (auto definition : {source(), recorder("a"), recorder("b"), recorder("c")}) herder_->apply(definition);
    ASSERT_TRUE(eventually([&] { return task_in("a", State::running) && task_in("b", State::running); }));
    herder_->pause("a");
    herder_->stop("b");
    auto saved = boost::json::parse(saved_states()).at("connectors").as_object();
    EXPECT_EQ(saved.at("a").as_string(), "PAUSED");
    EXPECT_EQ(saved.at("b").as_string(), "STOPPED");
    EXPECT_FALSE(saved.contains("c")) << "a running connector needs no entry";

    // The worker restarts and loads the same files.
    start_worker();
    for (auto definition : {source(), recorder("a"), recorder("b"), recorder("c")}) herder_->apply(definition);
    EXPECT_EQ(herder_->target_state("a"), TargetState::paused);
    EXPECT_EQ(herder_->target_state("b"), TargetState::stopped);
    EXPECT_EQ(herder_->target_state("c"), TargetState::started);
    EXPECT_EQ(status("b").state, State::stopped);
    EXPECT_TRUE(status("b").tasks.empty());
    ASSERT_TRUE(eventually([&] { return task_in("a", State::paused) && task_in("c", State::running); }));
    const size_t held = lines("a.txt");
    ASSERT_TRUE(eventually([&] { return lines("c.txt") >= held + 500; }));
    EXPECT_EQ(lines("a.txt"), held) << "a made progress while paused";

    // Resumed: its entry goes; removed: so does b's.
    herder_->resume("a");
    ASSERT_TRUE(eventually([&] { return task_in("a", State::running) && lines("a.txt") > held; }));
    EXPECT_TRUE(herder_->remove("b"));
    saved = boost::json::parse(saved_states()).at("connectors").as_object();
    EXPECT_TRUE(saved.empty()) << saved_states();

    // A connector whose file went away while the worker was down is forgotten at the next start.
    herder_->stop("c");
    start_worker();
    herder_->apply(recorder("a"));
    herder_->forget_other_target_states();
    EXPECT_TRUE(boost::json::parse(saved_states()).at("connectors").as_object().empty()) << saved_states();
    herder_->apply(recorder("c"));
    EXPECT_EQ(herder_->target_state("c"), TargetState::started);
}

TEST_F(HerderRecoveryTest, AFailedTaskIsRestartedAutomaticallyWithBackoffAndRunsAgain) {
    std::ofstream(failing_) << "down\n";
    herder_->apply(source());
    herder_->apply(flaky(R"("errors.restart.max": 10, "errors.restart.backoff.ms": 200,
                            "errors.restart.backoff.max.ms": 5000)"));
    // FAILED with its trace, and a restart on its way: never a final failure in between.
    bool seen_scheduled = false;
    ASSERT_TRUE(eventually([&] {
        auto task = status("flaky").tasks.at(0);
        if (task.state == State::failed) {
            EXPECT_TRUE(task.restart_scheduled) << "FAILED without a restart scheduled, restarts " << task.restarts;
            EXPECT_NE(task.trace.find("cannot start"), std::string::npos) << task.trace;
            seen_scheduled = seen_scheduled || task.restart_scheduled;
        }
        return task.restarts >= 3;
    }));
    EXPECT_TRUE(seen_scheduled);
    EXPECT_FALSE(ingest::worker::any_failed(herder_->statuses()));
    EXPECT_FALSE(ingest::worker::work_done(herder_->statuses()));
    auto json = ingest::worker::to_json(status("flaky"), "w");
    EXPECT_GE(json.at("tasks").as_array().at(0).at("restarts").as_int64(), 3);

    // The backoff doubles: 100-200 ms, then 200-400 ms, then 400-800 ms (equal jitter).
    auto gaps = gaps_between_failed_starts();
    ASSERT_GE(gaps.size(), 2u);
    EXPECT_GE(gaps[0], 100);
    EXPECT_GE(gaps[1], 200);

    // The "database" is back: the next automatic restart runs.
    std::filesystem::remove(failing_);
    ASSERT_TRUE(eventually([&] { return task_in("flaky", State::running) && lines("flaky.txt") > 0; }));
    EXPECT_FALSE(status("flaky").tasks.at(0).restart_scheduled);
    EXPECT_TRUE(task_in("source", State::running));
}

TEST_F(HerderRecoveryTest, ATaskThatKeepsFailingStaysFailedOnceItsRestartsAreUsedUp) {
    std::ofstream(failing_) << "down\n";
    herder_->apply(flaky(R"("errors.restart.max": 2, "errors.restart.backoff.ms": 20)"));
    ASSERT_TRUE(eventually([&] {
        auto task = status("flaky").tasks.at(0);
        return task.state == State::failed && !task.restart_scheduled;
    }));
    EXPECT_EQ(status("flaky").tasks.at(0).restarts, 2);
    EXPECT_TRUE(ingest::worker::any_failed(herder_->statuses()));
    EXPECT_EQ(gaps_between_failed_starts().size(), 2u);

    // An operator's restart gives it its full count again.
    herder_->restart_task("flaky", 0);
    ASSERT_TRUE(eventually([&] {
        auto task = status("flaky").tasks.at(0);
        return task.state == State::failed && !task.restart_scheduled && task.restarts == 5;
    }));

    // No automatic restart at all with errors.restart.max = 0.
    herder_->apply(flaky(R"("errors.restart.max": 0)"));
    ASSERT_TRUE(eventually([&] { return task_in("flaky", State::failed); }));
    EXPECT_FALSE(status("flaky").tasks.at(0).restart_scheduled);
    EXPECT_TRUE(ingest::worker::any_failed(herder_->statuses()));
}

// A stop (or a new config) while a restart waits cancels it.
TEST_F(HerderRecoveryTest, AStopWhileARestartWaitsCancelsIt) {
    std::ofstream(failing_) << "down\n";
    herder_->apply(flaky(R"("errors.restart.max": 5, "errors.restart.backoff.ms": 500)"));
    ASSERT_TRUE(eventually([&] { return status("flaky").tasks.at(0).restart_scheduled; }));
    herder_->stop("flaky");
    std::filesystem::remove(failing_);
    EXPECT_FALSE(eventually([&] { return !status("flaky").tasks.empty(); }, 2s)) << "restarted while STOPPED";
    herder_->resume("flaky");
    ASSERT_TRUE(eventually([&] { return task_in("flaky", State::running); }));
    EXPECT_EQ(status("flaky").tasks.at(0).restarts, 0);
}

}  // namespace
