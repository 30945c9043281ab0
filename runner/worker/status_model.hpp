// What every connector and task is doing, in Kafka Connect's terms, and the one serialiser of it
// to Kafka Connect's status JSON: the status file, the log summary and (later) REST all print
// from these structs.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/array.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::worker {

// Kafka Connect's states, plus FINISHED: a source whose stream ended (everything delivered and
// committed), which `ingest run --until-done` waits for.
enum class State { unassigned, running, paused, stopped, failed, restarting, finished };
const char* state_name(State state);
// The State a state_name() names; nullopt for any other text.
std::optional<State> state_of(std::string_view name);

struct Verdict {
    bool passed = false;
    std::string summary;
};

struct TaskStatus {
    int id = 0;
    State state = State::unassigned;
    std::string trace;  // why it failed (FAILED only)
    int restarts = 0;   // times this task was restarted (by an operator or automatically)
    std::optional<Verdict> verdict;  // a judging task, once it reported
    // FAILED, and an automatic restart is on its way (errors.restart.max not used up): not a
    // final failure yet.
    bool restart_scheduled = false;
    // The worker that runs it, where that is not the worker showing the status (cluster mode:
    // any worker shows every task); empty: the one showing it.
    std::string worker_id;
};

enum class ConnectorType { source, sink };
const char* type_name(ConnectorType type);

struct ConnectorStatus {
    std::string name;
    ConnectorType type = ConnectorType::source;
    bool judges = false;  // its tasks report a verdict (a validator)
    State state = State::unassigned;
    std::string trace;
    int restarts = 0;
    std::vector<TaskStatus> tasks;  // empty while STOPPED, as in Kafka Connect
    // Why the connector's file in connectors.d/ was not applied (every problem); the previous
    // version keeps running. Empty once a valid version is applied.
    std::string config_error;
    std::string worker_id;  // as TaskStatus::worker_id
};

// Kafka Connect's `GET /connectors/{name}/status` body:
// {"name", "connector": {"state", "worker_id", "trace"?}, "tasks": [{"id", "state", "worker_id",
// "trace"?}], "type"}, with this runner's additions: "restarts" on the connector and each task,
// a judging task's "verdict": {"passed", "summary"}, "restart_scheduled": true on a FAILED task
// about to be restarted automatically, and "config_error" on the connector while its file's
// newest version is invalid.
// `worker_id` names the worker of every status whose own worker_id is empty.
boost::json::object to_json(const ConnectorStatus& status, const std::string& worker_id);
boost::json::array to_json(const std::vector<ConnectorStatus>& statuses, const std::string& worker_id);
// One task's entry of "tasks" above, and back (cluster mode's status topic carries these). Throws
// std::invalid_argument naming what does not fit.
boost::json::object to_json(const TaskStatus& task, const std::string& worker_id);
TaskStatus task_status_from_json(const boost::json::object& json);

// "connector <name> task <id>: <STATE> (<trace>); verdict PASS: <summary>": the log summary.
std::string describe(const ConnectorStatus& connector, const TaskStatus& task);

// Done when every task started, every source task finished and every judging task gave a
// verdict (`--until-done`). A connector without tasks (stopped) has nothing left to do. A FAILED
// task with an automatic restart scheduled is not done.
bool work_done(const std::vector<ConnectorStatus>& statuses);
// A connector (it could not be prepared) or a task FAILED for good (no automatic restart scheduled).
bool any_failed(const std::vector<ConnectorStatus>& statuses);
bool any_verdict_failed(const std::vector<ConnectorStatus>& statuses);

}  // namespace ingest::worker
