// The status model: Kafka Connect's status JSON from one serialiser, the log summary line, and
// what `--until-done` calls done.
#include "worker/status_model.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

using namespace ingest::worker;

ConnectorStatus validator() {
    ConnectorStatus status;
    status.name = "checker";
    status.type = ConnectorType::sink;
    status.judges = true;
    status.state = State::running;
    status.tasks.push_back({0, State::running, {}, 0, std::nullopt});
    return status;
}

ConnectorStatus source(State task_state) {
    ConnectorStatus status;
    status.name = "events";
    status.type = ConnectorType::source;
    status.state = State::running;
    status.tasks.push_back({0, task_state, {}, 0, std::nullopt});
    return status;
}

TEST(StatusModel, SerialisesKafkaConnectsStatusShape) {
    auto status = validator();
    status.tasks[0].state = State::failed;
    status.tasks[0].trace = "put: boom";
    status.tasks[0].restarts = 2;
    auto json = to_json(status, "host:8083");
    EXPECT_EQ(boost::json::serialize(json),
              R"({"name":"checker","connector":{"state":"RUNNING","worker_id":"host:8083","restarts":0},)"
              R"("tasks":[{"id":0,"state":"FAILED","worker_id":"host:8083","trace":"put: boom","restarts":2}],)"
              R"("type":"sink"})");
}

TEST(StatusModel, EachStatusNamesItsOwnWorkerWhenItHasOne) {
    auto status = validator();
    status.tasks.push_back({1, State::running, {}, 0, std::nullopt});
    status.tasks[1].worker_id = "other:8083";
    status.worker_id = "other:8083";
    auto json = to_json(status, "host:8083");
    EXPECT_EQ(json.at("connector").at("worker_id").as_string(), "other:8083");
    EXPECT_EQ(json.at("tasks").as_array().at(0).at("worker_id").as_string(), "host:8083");
    EXPECT_EQ(json.at("tasks").as_array().at(1).at("worker_id").as_string(), "other:8083");
}

TEST(StatusModel, ATaskStatusReadsBackAsItWasWritten) {
    TaskStatus task{3, State::failed, "put: boom", 2, Verdict{false, "1 missing"}, true, "w1"};
    const auto back = task_status_from_json(to_json(task, "ignored"));
    EXPECT_EQ(back.id, 3);
    EXPECT_EQ(back.state, State::failed);
    EXPECT_EQ(back.trace, "put: boom");
    EXPECT_EQ(back.restarts, 2);
    ASSERT_TRUE(back.verdict.has_value());
    EXPECT_FALSE(back.verdict->passed);
    EXPECT_EQ(back.verdict->summary, "1 missing");
    EXPECT_TRUE(back.restart_scheduled);
    EXPECT_EQ(back.worker_id, "w1");
}

TEST(StatusModel, AMalformedTaskStatusIsRefusedNamingWhatIsWrong) {
    auto refused = [](const char* text) {
        try {
            task_status_from_json(boost::json::parse(text).as_object());
        } catch (const std::invalid_argument& error) {
            return std::string(error.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(refused(R"({"id":0,"worker_id":"w"})"), "a task status without \"state\"");
    EXPECT_EQ(refused(R"({"id":0,"state":"ASLEEP","worker_id":"w"})"), "unknown task state 'ASLEEP'");
    EXPECT_NE(refused(R"({"id":"zero","state":"RUNNING","worker_id":"w"})").find("wrong type"), std::string::npos);
}

TEST(StatusModel, AVerdictAppearsInTheTaskAndTheSummaryLine) {
    auto status = validator();
    status.tasks[0].state = State::stopped;
    status.tasks[0].verdict = Verdict{true, "3 events checked"};
    auto task = to_json(status, "w").at("tasks").as_array().at(0);
    EXPECT_EQ(task.at("verdict").at("passed").as_bool(), true);
    EXPECT_EQ(task.at("verdict").at("summary").as_string(), "3 events checked");
    EXPECT_EQ(describe(status, status.tasks[0]), "connector checker task 0: STOPPED; verdict PASS: 3 events checked");
}

TEST(StatusModel, AFailedTaskSummaryCarriesItsTrace) {
    auto status = source(State::failed);
    status.tasks[0].trace = "poll: no";
    EXPECT_EQ(describe(status, status.tasks[0]), "connector events task 0: FAILED (poll: no)");
}

TEST(StatusModel, EveryStateHasKafkaConnectsName) {
    EXPECT_STREQ(state_name(State::unassigned), "UNASSIGNED");
    EXPECT_STREQ(state_name(State::running), "RUNNING");
    EXPECT_STREQ(state_name(State::paused), "PAUSED");
    EXPECT_STREQ(state_name(State::stopped), "STOPPED");
    EXPECT_STREQ(state_name(State::failed), "FAILED");
    EXPECT_STREQ(state_name(State::restarting), "RESTARTING");
    EXPECT_STREQ(state_name(State::finished), "FINISHED");
}

TEST(StatusModel, WorkIsDoneWhenSourcesFinishedAndVerdictsAreIn) {
    EXPECT_FALSE(work_done({source(State::unassigned)}));
    EXPECT_FALSE(work_done({source(State::running)}));
    EXPECT_TRUE(work_done({source(State::finished)}));

    auto judge = validator();
    EXPECT_FALSE(work_done({source(State::finished), judge}));
    judge.tasks[0].verdict = Verdict{false, "missing rows"};
    EXPECT_TRUE(work_done({source(State::finished), judge}));
    EXPECT_TRUE(any_verdict_failed({judge}));
    EXPECT_FALSE(any_failed({judge}));
    EXPECT_TRUE(any_failed({source(State::failed)}));
    auto unprepared = source(State::running);
    unprepared.state = State::failed;
    unprepared.tasks.clear();
    EXPECT_TRUE(any_failed({unprepared}));
}

// --until-done: a failed task with an automatic restart on its way has neither failed for good
// nor finished.
TEST(StatusModel, AFailedTaskAwaitingItsAutomaticRestartIsNeitherDoneNorFailed) {
    auto waiting = source(State::failed);
    waiting.tasks[0].restart_scheduled = true;
    EXPECT_FALSE(any_failed({waiting}));
    EXPECT_FALSE(work_done({waiting}));
    auto json = to_json(waiting, "w");
    EXPECT_EQ(json.at("tasks").as_array().at(0).at("restart_scheduled").as_bool(), true);
    waiting.tasks[0].restart_scheduled = false;
    EXPECT_TRUE(any_failed({waiting}));
    EXPECT_FALSE(to_json(waiting, "w").at("tasks").as_array().at(0).as_object().contains("restart_scheduled"));
}

TEST(StatusModel, AConfigErrorIsShownOnTheConnector) {
    auto status = source(State::running);
    EXPECT_FALSE(to_json(status, "w").at("connector").as_object().contains("config_error"));
    status.config_error = "events.json: key 'rate': must be at least 1";
    EXPECT_EQ(to_json(status, "w").at("connector").at("config_error").as_string(), status.config_error);
}

}  // namespace
