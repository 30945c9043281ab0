#include "worker/status_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace ingest::worker {

const char* state_name(State state) {
    switch (state) {
        case State::unassigned: return "UNASSIGNED";
        case State::running: return "RUNNING";
        case State::paused: return "PAUSED";
        case State::stopped: return "STOPPED";
        case State::failed: return "FAILED";
        case State::restarting: return "RESTARTING";
        case State::finished: return "FINISHED";
    }
    return "UNKNOWN";
}

std::optional<State> state_of(std::string_view name) {
    for (State state : {State::unassigned, State::running, State::paused, State::stopped, State::failed,
                        State::restarting, State::finished})
        if (name == state_name(state)) return state;
    return std::nullopt;
}

const char* type_name(ConnectorType type) { return type == ConnectorType::source ? "source" : "sink"; }

boost::json::object to_json(const TaskStatus& t, const std::string& worker_id) {
    boost::json::object task{{"id", t.id}, {"state", state_name(t.state)},
                             {"worker_id", t.worker_id.empty() ? worker_id : t.worker_id}};
    if (!t.trace.empty()) task["trace"] = t.trace;
    task["restarts"] = t.restarts;
    if (t.restart_scheduled) task["restart_scheduled"] = true;
    if (t.verdict) task["verdict"] = boost::json::object{{"passed", t.verdict->passed}, {"summary", t.verdict->summary}};
    return task;
}

TaskStatus task_status_from_json(const boost::json::object& json) {
    auto field = [&](const char* name) -> const boost::json::value& {
        const auto* value = json.if_contains(name);
        if (!value) throw std::invalid_argument(std::string("a task status without \"") + name + "\"");
        return *value;
    };
    TaskStatus task;
    try {
        task.id = static_cast<int>(field("id").to_number<int64_t>());
        const auto state = state_of(field("state").as_string());
        if (!state) throw std::invalid_argument("unknown task state '" + std::string(field("state").as_string()) + "'");
        task.state = *state;
        task.worker_id = std::string(field("worker_id").as_string());
        if (const auto* trace = json.if_contains("trace")) task.trace = std::string(trace->as_string());
        if (const auto* restarts = json.if_contains("restarts")) task.restarts = static_cast<int>(restarts->to_number<int64_t>());
        if (const auto* scheduled = json.if_contains("restart_scheduled")) task.restart_scheduled = scheduled->as_bool();
        if (const auto* verdict = json.if_contains("verdict"))
            task.verdict = Verdict{verdict->at("passed").as_bool(), std::string(verdict->at("summary").as_string())};
    } catch (const std::invalid_argument&) {
        throw;
    } catch (const std::exception& error) {
        throw std::invalid_argument(std::string("a task status field of the wrong type: ") + error.what());
    }
    return task;
}

boost::json::object to_json(const ConnectorStatus& status, const std::string& worker_id) {
    boost::json::object connector{{"state", state_name(status.state)},
                                  {"worker_id", status.worker_id.empty() ? worker_id : status.worker_id}};
    if (!status.trace.empty()) connector["trace"] = status.trace;
    connector["restarts"] = status.restarts;
    if (!status.config_error.empty()) connector["config_error"] = status.config_error;
    boost::json::array tasks;
    for (const auto& t : status.tasks) tasks.push_back(to_json(t, worker_id));
    return {{"name", status.name},
            {"connector", std::move(connector)},
            {"tasks", std::move(tasks)},
            {"type", type_name(status.type)}};
}

boost::json::array to_json(const std::vector<ConnectorStatus>& statuses, const std::string& worker_id) {
    boost::json::array result;
    for (const auto& status : statuses) result.push_back(to_json(status, worker_id));
    return result;
}

std::string describe(const ConnectorStatus& connector, const TaskStatus& task) {
    std::string line = "connector " + connector.name + " task " + std::to_string(task.id) + ": " + state_name(task.state);
    if (!task.trace.empty()) line += " (" + task.trace + ")";
    if (task.verdict) line += std::string("; verdict ") + (task.verdict->passed ? "PASS" : "FAIL") + ": " + task.verdict->summary;
    return line;
}

bool work_done(const std::vector<ConnectorStatus>& statuses) {
    for (const auto& c : statuses)
        for (const auto& t : c.tasks) {
            if (t.state == State::unassigned || t.state == State::restarting || t.restart_scheduled) return false;
            if (c.type == ConnectorType::source && t.state != State::finished) return false;
            if (c.judges && !t.verdict) return false;
        }
    return true;
}

bool any_failed(const std::vector<ConnectorStatus>& statuses) {
    return std::any_of(statuses.begin(), statuses.end(), [](const ConnectorStatus& c) {
        return c.state == State::failed ||
               std::any_of(c.tasks.begin(), c.tasks.end(),
                           [](const TaskStatus& t) { return t.state == State::failed && !t.restart_scheduled; });
    });
}

bool any_verdict_failed(const std::vector<ConnectorStatus>& statuses) {
    return std::any_of(statuses.begin(), statuses.end(), [](const ConnectorStatus& c) {
        return std::any_of(c.tasks.begin(), c.tasks.end(),
                           [](const TaskStatus& t) { return t.verdict && !t.verdict->passed; });
    });
}

}  // namespace ingest::worker
