// Task metrics on the embedded broker: a fixture source through Kafka into the recording sink, both
// tasks recording into one registry. The runner's counters agree with what the plugins saw, the
// sink's own declared metrics (ABI 1.2) reach the exposition, and `promtool check metrics` accepts
// the text as it comes out of a real run.
#include "config/connector_config.hpp"
#include "kafka/mock_cluster.hpp"
#include "metrics/metrics.hpp"
#include "pipeline/task_runner.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "plugin_host/plugin_library.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace {

using namespace std::chrono_literals;

const std::filesystem::path kFixtures = FIXTURE_DIR;
const std::filesystem::path kBadFixtures = BAD_FIXTURE_DIR;

// Remembers whether the task finished or gave a verdict, and wakes a waiter.
class Events : public ingest::pipeline::TaskListener {
   public:
    void on_running() override {}
    void on_paused() override {}
    void on_failed(const std::string& trace) override { mark(failed_, trace); }
    void on_stopped() override {}
    void on_finished() override { mark(finished_); }
    void on_verdict(bool, const std::string&) override { mark(verdict_); }

    bool wait(bool Events::*flag, std::chrono::seconds deadline) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, deadline, [&] { return this->*flag || failed_; }) && !failed_;
    }
    bool finished_ = false, verdict_ = false, failed_ = false;
    std::string trace_;

   private:
    void mark(bool& flag, const std::string& trace = {}) {
        {
            std::lock_guard lock(mutex_);
            flag = true;
            if (!trace.empty()) trace_ = trace;
        }
        changed_.notify_all();
    }
    std::mutex mutex_;
    std::condition_variable changed_;
};

double sample(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return -1;
}

class MetricsRunTest : public ::testing::Test {
   protected:
    void SetUp() override { cluster_.create_topic("numbers", 3); }

    ingest::pipeline::TaskSettings settings(const std::string& name, const std::string& config_json) {
        auto spec = ingest::config::parse_connector(R"({"name": ")" + name + R"(", "config": )" + config_json + "}",
                                                   name + ".json", name, ingest::config::process_env());
        auto library = catalog_.find(ingest::config::plugin_name_of(spec));
        return {ingest::config::validate_connector(spec, library->descriptor()), library, 0, cluster_.bootstrap(),
                metrics_};
    }

    ingest::testing::TempDir dir_{"ingest-metrics"};
    ingest::kafka::MockCluster cluster_;
    ingest::plugin_host::PluginCatalog catalog_ = ingest::plugin_host::PluginCatalog::scan({kFixtures});
    std::shared_ptr<ingest::metrics::Metrics> metrics_ = std::make_shared<ingest::metrics::Metrics>();
};

TEST_F(MetricsRunTest, CountersAgreeWithWhatThePluginsSawAndPromtoolAcceptsTheText) {
    const int count = 3000;
    Events source_events, sink_events;
    {
        ingest::pipeline::TaskRunner sink(
            settings("recorder", R"({"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 50,
                                     "expect": )" + std::to_string(count) + R"(, "records.file": ")" +
                                     (dir_ / "records.txt").string() + R"("})"),
            sink_events, ingest::pipeline::TargetState::started);
        ingest::pipeline::TaskRunner source(
            settings("counter", R"({"plugin": "fixture_counting_source", "topic": "numbers", "count": )" +
                                    std::to_string(count) + R"(, "deliveries.file": ")" +
                                    (dir_ / "deliveries.txt").string() + R"("})"),
            source_events, ingest::pipeline::TargetState::started);
        ASSERT_TRUE(source_events.wait(&Events::finished_, 60s)) << source_events.trace_;
        ASSERT_TRUE(sink_events.wait(&Events::verdict_, 60s)) << sink_events.trace_;
    }  // both tasks stopped: the sink committed its offsets on the way out

    const auto records_seen = ingest::testing::read_lines(dir_ / "records.txt").size();
    ASSERT_EQ(records_seen, static_cast<size_t>(count));
    const std::string text = metrics_->text();
    EXPECT_EQ(sample(text, R"(ingest_sink_records_put_total{connector="recorder",task="0"})"), count) << text;
    EXPECT_EQ(sample(text, R"(ingest_source_records_polled_total{connector="counter",task="0"})"), count);
    EXPECT_EQ(sample(text, R"(ingest_source_records_written_total{connector="counter",task="0"})"), count);
    EXPECT_GT(sample(text, R"(ingest_task_batches_total{connector="recorder",task="0"})"), 0);
    EXPECT_EQ(sample(text, R"(ingest_sink_end_to_end_latency_seconds_count{connector="recorder",task="0"})"), count);
    EXPECT_GE(sample(text, R"(ingest_sink_offset_commits_total{connector="recorder",result="ok",task="0"})"), 1);
    EXPECT_EQ(sample(text, R"(ingest_task_state{connector="recorder",state="STOPPED",task="0"})"), 1);
    EXPECT_EQ(sample(text, R"(ingest_task_state{connector="counter",state="FINISHED",task="0"})"), 1);
    // The sink's own metrics, declared in its descriptor and recorded through the host.
    EXPECT_EQ(sample(text, R"(ingest_plugin_fixture_recording_sink_records_seen_total{connector="recorder",task="0"})"),
              count);
    EXPECT_GE(sample(text, R"(ingest_plugin_fixture_recording_sink_last_batch_size{connector="recorder",task="0"})"), 0);

    // promtool, from Debian's prometheus package, is the independent judge of the format.
    if (std::system("command -v promtool > /dev/null 2>&1") != 0) GTEST_SKIP() << "promtool is not installed";
    const auto file = dir_ / "metrics.txt";
    std::ofstream(file) << text;
    const std::string check = "promtool check metrics < '" + file.string() + "' > '" + (dir_ / "promtool.txt").string() + "' 2>&1";
    EXPECT_EQ(std::system(check.c_str()), 0) << ingest::testing::read_lines(dir_ / "promtool.txt").size() << " problems:\n"
                                              << [&] {
                                                     std::string all;
                                                     for (auto& l : ingest::testing::read_lines(dir_ / "promtool.txt")) all += l + "\n";
                                                     return all;
                                                 }();
}

// ingest_task_errors_total: each class where the pipeline meets it, every class of a task's kind
// present at 0 from its start, none of the other kind's.
TEST_F(MetricsRunTest, ErrorsAreCountedByClassWhereThePipelineMeetsThem) {
    const auto errors = [&](const std::string& connector, const std::string& error_class) {
        return sample(metrics_->text(), R"(ingest_task_errors_total{class=")" + error_class + R"(",connector=")" +
                                            connector + R"(",task="0"})");
    };
    const auto wait_for = [&](const std::string& connector, const std::string& error_class, double at_least) {
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (errors(connector, error_class) < at_least) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(20ms);
        }
        return true;
    };

    // 100 records, every 10th "bad": the recording sink dead-letters those 10.
    Events source_events, sink_events;
    {
        auto sink_settings = settings("recorder", R"({"plugin": "fixture_recording_sink", "topics": "numbers",
            "batch.max.ms": 50, "expect": 90, "records.file": ")" + (dir_ / "records.txt").string() + R"("})");
        cluster_.create_topic(sink_settings.connector.dead_letter_topic(), 1);
        ingest::pipeline::TaskRunner sink(std::move(sink_settings), sink_events, ingest::pipeline::TargetState::started);
        ingest::pipeline::TaskRunner source(
            settings("counter", R"({"plugin": "fixture_counting_source", "topic": "numbers", "count": 100,
                                    "bad.every": 10, "deliveries.file": ")" + (dir_ / "deliveries.txt").string() + R"("})"),
            source_events, ingest::pipeline::TargetState::started);
        ASSERT_TRUE(source_events.wait(&Events::finished_, 60s)) << source_events.trace_;
        ASSERT_TRUE(sink_events.wait(&Events::verdict_, 60s)) << sink_events.trace_;
        ASSERT_TRUE(wait_for("recorder", "dead_letter", 10));
    }
    const std::string text = metrics_->text();
    EXPECT_EQ(errors("recorder", "dead_letter"), 10) << text;
    EXPECT_EQ(sample(text, R"(ingest_sink_records_dead_lettered_total{connector="recorder",task="0"})"), 10);
    for (const char* zero : {"retriable", "fatal", "commit"}) EXPECT_EQ(errors("recorder", zero), 0) << zero;
    for (const char* zero : {"retriable", "fatal", "delivery"}) EXPECT_EQ(errors("counter", zero), 0) << zero;
    EXPECT_EQ(errors("recorder", "delivery"), -1) << "a sink has no delivery errors";
    for (const char* other : {"dead_letter", "commit"}) EXPECT_EQ(errors("counter", other), -1) << other;

    // A sink whose put() returns RETRIABLE while a file exists: retriable, then records once it is gone.
    const auto down = dir_ / "down";
    std::ofstream(down) << "down\n";
    Events flaky_events;
    {
        ingest::pipeline::TaskRunner flaky(
            settings("flaky", R"({"plugin": "fixture_flaky_sink", "topics": "numbers", "batch.max.ms": 50,
                                  "records.file": ")" + (dir_ / "flaky.txt").string() + R"(", "down.while.file": ")" +
                                  down.string() + R"(", "attempts.file": ")" + (dir_ / "attempts.txt").string() + R"("})"),
            flaky_events, ingest::pipeline::TargetState::started);
        EXPECT_TRUE(wait_for("flaky", "retriable", 1)) << metrics_->text();
        std::filesystem::remove(down);
    }
    EXPECT_FALSE(flaky_events.failed_) << flaky_events.trace_;
    EXPECT_EQ(errors("flaky", "fatal"), 0);

    // A task that fails: fatal, once.
    const auto broken = dir_ / "broken";
    std::ofstream(broken) << "broken\n";
    Events failing_events;
    ingest::pipeline::TaskRunner failing(
        settings("failing", R"({"plugin": "fixture_flaky_sink", "topics": "numbers", "records.file": ")" +
                                (dir_ / "failing.txt").string() + R"(", "down.while.file": ")" + down.string() +
                                R"(", "attempts.file": ")" + (dir_ / "attempts.txt").string() +
                                R"(", "fail.while.file": ")" + broken.string() + R"("})"),
        failing_events, ingest::pipeline::TargetState::started);
    failing.join();
    EXPECT_TRUE(failing_events.failed_);
    EXPECT_EQ(errors("failing", "fatal"), 1);
    EXPECT_EQ(errors("failing", "retriable"), 0);
}

TEST(PluginMetricTable, EveryMistakeIsRefusedAtLoadAtOnce) {
    std::string reason;
    try {
        ingest::plugin_host::PluginLibrary::load(kBadFixtures / "fixture_bad_metrics.so");
    } catch (const ingest::plugin_host::PluginLoadError& error) {
        reason = error.reason();
    }
    EXPECT_NE(reason.find("metric 'rows' is declared twice"), std::string::npos) << reason;
    EXPECT_NE(reason.find("metric 'written_total': declare it without `_total`"), std::string::npos) << reason;
    EXPECT_NE(reason.find("'Bad-Name': the name must match"), std::string::npos) << reason;
    EXPECT_NE(reason.find("metric 'no_help' has no help text"), std::string::npos) << reason;
}

}  // namespace
