// The frames of `ingest status --watch`, built from two samples of a worker's REST answers (its
// statuses and GET /worker/metrics): rates from counter differences, lag per partition, errors
// by class, and the rows of connectors without tasks.
#include "cli/commands/status_watch.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using ingest::cli::WatchSample;

// GET /connectors?expand=status of a worker with a source, a sink with one task and a stopped sink.
const char* kStatuses = R"({
  "counter": {"status": {"name": "counter", "type": "source",
     "connector": {"state": "RUNNING", "worker_id": "w"},
     "tasks": [{"id": 0, "state": "RUNNING", "worker_id": "w", "restarts": 0}]}},
  "recorder": {"status": {"name": "recorder", "type": "sink",
     "connector": {"state": "RUNNING", "worker_id": "w"},
     "tasks": [{"id": 0, "state": "RUNNING", "worker_id": "w", "restarts": 2}]}},
  "idle": {"status": {"name": "idle", "type": "sink",
     "connector": {"state": "STOPPED", "worker_id": "w", "restarts": 0}, "tasks": []}}
})";

// GET /worker/metrics with the given counter values.
std::string metrics(double written, double put, double dead_letters, double retriable) {
    const auto series = [](const std::string& connector, double value, const std::string& extra = "") {
        return R"({"labels": {"connector": ")" + connector + R"(", "task": "0")" + extra + R"(}, "value": )" +
               std::to_string(value) + "}";
    };
    return R"({"families": {
      "ingest_source_records_written_total": {"type": "counter", "help": "", "series": [)" + series("counter", written) + R"(]},
      "ingest_sink_records_put_total": {"type": "counter", "help": "", "series": [)" + series("recorder", put) + R"(]},
      "ingest_sink_records_dead_lettered_total": {"type": "counter", "help": "", "series": [)" +
           series("recorder", dead_letters) + R"(]},
      "ingest_task_errors_total": {"type": "counter", "help": "", "series": [)" +
           series("recorder", retriable, R"(, "class": "retriable")") + ", " +
           series("recorder", 0, R"(, "class": "commit")") + ", " + series("counter", 0, R"(, "class": "fatal")") + R"(]},
      "ingest_sink_consumer_lag": {"type": "gauge", "help": "", "series": [)" +
           series("recorder", 5, R"(, "topic": "numbers", "partition": "1")") + ", " +
           series("recorder", 7, R"(, "topic": "numbers", "partition": "0")") + R"(]},
      "ingest_task_batch_duration_seconds": {"type": "histogram", "help": "", "series": [
           {"labels": {"connector": "recorder", "task": "0"}, "count": 3, "sum": 1.5, "buckets": []}]}
    }})";
}

WatchSample sample(std::chrono::steady_clock::time_point taken, const std::string& metrics_json) {
    return {taken, boost::json::parse(kStatuses), boost::json::parse(metrics_json)};
}

TEST(StatusWatch, TheFirstFrameHasStatesCountsAndLagButNoRates) {
    const auto first = sample(std::chrono::steady_clock::now(), metrics(100, 90, 3, 0));
    const auto frame = ingest::cli::build_frame(first, nullptr);

    ASSERT_EQ(frame.tasks.size(), 3u);
    const auto& counter = frame.tasks[0];
    EXPECT_EQ(counter.connector, "counter");
    EXPECT_EQ(counter.type, "source");
    EXPECT_EQ(counter.task, 0);
    EXPECT_EQ(counter.state, "RUNNING");
    EXPECT_FALSE(counter.records_per_second);
    EXPECT_FALSE(counter.dead_letters) << "a source has no dead letters";
    EXPECT_FALSE(counter.lag);
    EXPECT_TRUE(counter.errors.empty()) << "classes at 0 are left out";

    const auto& idle = frame.tasks[1];  // by name: counter, idle, recorder
    EXPECT_EQ(idle.connector, "idle");
    EXPECT_FALSE(idle.task);
    EXPECT_EQ(idle.state, "STOPPED");

    const auto& recorder = frame.tasks[2];
    EXPECT_EQ(recorder.restarts, 2);
    EXPECT_EQ(recorder.dead_letters, 3);
    EXPECT_EQ(recorder.lag, 12);
    ASSERT_EQ(frame.lags.size(), 2u);
    EXPECT_EQ(frame.lags[0].partition, 0);  // sorted by partition
    EXPECT_EQ(frame.lags[0].lag, 7);
    EXPECT_EQ(frame.lags[1].partition, 1);
    EXPECT_EQ(frame.lags[1].topic, "numbers");
}

TEST(StatusWatch, RatesComeFromTwoConsecutiveSamples) {
    const auto start = std::chrono::steady_clock::now();
    const auto first = sample(start, metrics(100, 90, 3, 0));
    const auto second = sample(start + 2s, metrics(300, 150, 4, 2));
    const auto frame = ingest::cli::build_frame(second, &first);

    EXPECT_DOUBLE_EQ(*frame.tasks[0].records_per_second, 100.0);  // (300 - 100) / 2 s
    EXPECT_DOUBLE_EQ(*frame.tasks[2].records_per_second, 30.0);   // (150 - 90) / 2 s
    EXPECT_EQ(frame.tasks[2].errors, (std::map<std::string, double>{{"retriable", 2}}));
    EXPECT_FALSE(frame.tasks[1].records_per_second);

    // A counter that went down (another worker process) counts from 0.
    const auto third = sample(start + 4s, metrics(50, 150, 4, 2));
    EXPECT_DOUBLE_EQ(*ingest::cli::build_frame(third, &second).tasks[0].records_per_second, 25.0);
}

TEST(StatusWatch, TheTextAndJsonShowTheSameFrame) {
    const auto start = std::chrono::steady_clock::now();
    const auto first = sample(start, metrics(100, 90, 3, 0));
    const auto frame = ingest::cli::build_frame(sample(start + 2s, metrics(300, 150, 4, 2)), &first);

    const std::string text = ingest::cli::render_frame(frame);
    EXPECT_NE(text.find("CONNECTOR  TYPE    TASK  STATE    RECORDS/S  DEAD-LETTERS  ERRORS       RESTARTS  LAG\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("counter    source  0     RUNNING  100.0      -             0            0         -\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("idle       sink    -     STOPPED  -          -             -            0         -\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("recorder   sink    0     RUNNING  30.0       4             retriable=2  2         12\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("recorder   0     numbers  1          5\n"), std::string::npos) << text;

    const auto json = ingest::cli::frame_json(frame);
    const auto& recorder = json.at("tasks").as_array()[2].as_object();
    EXPECT_EQ(recorder.at("records_per_second"), 30);  // whole numbers are integers
    EXPECT_EQ(recorder.at("errors"), (boost::json::object{{"retriable", 2}}));
    EXPECT_EQ(recorder.at("lag"), 12);
    EXPECT_TRUE(json.at("tasks").as_array()[0].at("lag").is_null());
    EXPECT_TRUE(json.at("tasks").as_array()[1].at("task").is_null());
    EXPECT_EQ(json.at("lags").as_array().size(), 2u);
}

TEST(StatusWatch, AWorkerWithoutConnectorsOrMetricsIsAFrameToo) {
    const WatchSample empty{std::chrono::steady_clock::now(), boost::json::object{}, boost::json::object{}};
    const auto frame = ingest::cli::build_frame(empty, nullptr);
    EXPECT_TRUE(frame.tasks.empty());
    EXPECT_EQ(ingest::cli::render_frame(frame), "(no connectors)\n");
}

}  // namespace
