// /connectors: list, create, inspect, change, pause/resume/stop, restart and delete connectors,
// with Kafka Connect's paths, shapes and status codes. Reads and operations go to the herder;
// create, update and delete write to the worker's ConfigStore after validating the config
// (connectors.d/ files, applied by the config watcher; in a cluster, the config topic, applied by
// every worker): one path from a changed config to a restarted connector.
#include "control/api_error.hpp"
#include "control/config_view.hpp"
#include "control/routes.hpp"
#include "log/logging.hpp"

#include <boost/json.hpp>

#include <mutex>

namespace ingest::control {
namespace {

using boost::json::array;
using boost::json::object;
using worker::TargetState;

const std::string kConnector = "/connectors/{connector}";

std::string not_found(const std::string& name) { return "Connector " + name + " not found"; }

worker::ConnectorDefinition definition_of(const RouteContext& context, const std::string& name) {
    auto found = context.herder.definition(name);
    if (!found) throw ApiError(404, not_found(name));
    return std::move(*found);
}

const ingest_plugin* plugin_of(const worker::ConnectorDefinition& definition) {
    return definition.library ? &definition.library->descriptor() : nullptr;
}

bool exists(const RouteContext& context, const std::string& name) {
    return context.herder.definition(name) || context.store->written(name);
}

object status_json(const RouteContext& context, const worker::ConnectorStatus& status) {
    object json = worker::to_json(status, context.herder.worker_id());
    auto mask = [](object& part) {
        if (auto* trace = part.if_contains("trace"); trace && trace->is_string())
            *trace = log::mask_secrets(trace->as_string());
    };
    mask(json["connector"].as_object());
    for (auto& task : json["tasks"].as_array()) mask(task.as_object());
    return json;
}

object status_of(const RouteContext& context, const std::string& name) {
    auto status = context.herder.status(name);
    if (!status) throw ApiError(404, not_found(name));
    return status_json(context, *status);
}

// Kafka Connect's ConnectorInfo: {"name", "config", "tasks": [{"connector", "task"}], "type"}.
object info_of(const RouteContext& context, const worker::ConnectorDefinition& definition) {
    const auto& name = definition.config.name;
    array tasks;
    if (auto status = context.herder.status(name))
        for (const auto& task : status->tasks) tasks.push_back(object{{"connector", name}, {"task", task.id}});
    return {{"name", name},
            {"config", masked(definition.config.raw, plugin_of(definition))},
            {"tasks", std::move(tasks)},
            {"type", definition.config.kind == INGEST_KIND_SOURCE ? "source" : "sink"}};
}

// What a create or update answers: the config as written (tasks appear once the watcher applied it).
object written_info(const std::string& name, const ConfigValues& values, const worker::ConnectorDefinition& valid) {
    return {{"name", name},
            {"config", masked(values, plugin_of(valid))},
            {"tasks", array{}},
            {"type", valid.config.kind == INGEST_KIND_SOURCE ? "source" : "sink"}};
}

bool flag(const httplib::Request& request, const std::string& name) {
    if (!request.has_param(name)) return false;
    const auto value = request.get_param_value(name);
    if (value == "true") return true;
    if (value == "false") return false;
    throw ApiError(400, "query parameter " + name + " must be true or false, not '" + value + "'");
}

int task_id(const httplib::Request& request, const std::string& name) {
    try {
        return std::stoi(request.matches[2].str());
    } catch (const std::exception&) {
        throw ApiError(404, "Task " + name + "/" + request.matches[2].str() + " not found");
    }
}

TargetState initial_state_of(const boost::json::value& value) {
    if (value.is_string()) {
        if (value.as_string() == "RUNNING") return TargetState::started;
        if (value.as_string() == "PAUSED") return TargetState::paused;
        if (value.as_string() == "STOPPED") return TargetState::stopped;
    }
    throw ApiError(400, "initial_state must be one of RUNNING, PAUSED, STOPPED");
}

}  // namespace

void add_connector_routes(Router& router, const RouteContext& context) {
    // Serialises the calls that write connectors.d/, so that two creates of one name cannot both win.
    auto writing = std::make_shared<std::mutex>();

    router.get("/connectors", "Connector names; `?expand=status` and/or `?expand=info` for details by name",
        [&context](const httplib::Request& request, httplib::Response& response) {
        bool with_status = false, with_info = false;
        for (size_t i = 0; i < request.get_param_value_count("expand"); ++i) {
            const auto value = request.get_param_value("expand", i);
            if (value == "status")
                with_status = true;
            else if (value == "info")
                with_info = true;
            else
                throw ApiError(400, "expand must be status or info, not '" + value + "'");
        }
        const auto names = context.herder.connectors();
        if (!with_status && !with_info) {
            reply(response, 200, array(names.begin(), names.end()));
            return;
        }
        object result;
        for (const auto& name : names) {
            object entry;
            if (with_status)
                if (auto status = context.herder.status(name)) entry["status"] = status_json(context, *status);
            if (with_info)
                if (auto definition = context.herder.definition(name)) entry["info"] = info_of(context, *definition);
            result[name] = std::move(entry);
        }
        reply(response, 200, result);
    });

    router.post("/connectors", "Create a connector `{name, config, initial_state}`: validated, written to connectors.d/ (201)",
        [&context, writing](const httplib::Request& request, httplib::Response& response) {
        auto body = parse_object_body(request);
        std::string name;
        const object* config = nullptr;
        TargetState initial = TargetState::started;
        for (const auto& [field, value] : body) {
            if (field == "name" && value.is_string())
                name = std::string(value.as_string());
            else if (field == "config" && value.is_object())
                config = &value.as_object();
            else if (field == "initial_state")
                initial = initial_state_of(value);
            else if (field == "name" || field == "config")
                throw ApiError(400, "\"" + std::string(field) + "\" must be a " + (field == "name" ? "string" : "JSON object"));
            else
                throw ApiError(400, "unknown field \"" + std::string(field) + "\" (expected name, config, initial_state)");
        }
        if (!config) throw ApiError(400, "missing \"config\" object");
        if (name.empty())
            if (auto* in_config = config->if_contains("name"); in_config && in_config->is_string())
                name = std::string(in_config->as_string());
        if (name.empty()) throw ApiError(400, "missing \"name\"");
        check_name(name);
        auto values = config_values(*config, name);
        auto valid = validate_values(name, values, context.catalog, context.env);
        if (initial != TargetState::started && !context.record_initial_state)
            throw ApiError(400, "this worker cannot start a connector in initial_state " +
                                    std::string(pipeline::target_state_name(initial)));
        std::lock_guard lock(*writing);
        if (exists(context, name)) throw ApiError(409, "Connector " + name + " already exists");
        if (context.record_initial_state) context.record_initial_state(name, initial);
        const auto where = context.store->write(name, values);
        log::info("rest") << "connector " << name << " created: wrote " << where;
        reply(response, 201, written_info(name, values, valid));
    });

    router.get(kConnector, "A connector's name, config (secrets masked), tasks and type",
        [&context](const httplib::Request& request, httplib::Response& response) {
        reply(response, 200, info_of(context, definition_of(context, request.matches[1])));
    });

    router.get(kConnector + "/config", "A connector's config, secrets masked",
        [&context](const httplib::Request& request, httplib::Response& response) {
        auto definition = definition_of(context, request.matches[1]);
        reply(response, 200, masked(definition.config.raw, plugin_of(definition)));
    });

    router.put(kConnector + "/config", "Create or replace a connector's config (only it restarts)",
        [&context, writing](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        check_name(name);
        auto values = config_values(parse_object_body(request), name);
        auto valid = validate_values(name, values, context.catalog, context.env);
        std::lock_guard lock(*writing);
        const bool created = !exists(context, name);
        const auto where = context.store->write(name, values);
        log::info("rest") << "connector " << name << (created ? " created" : " config replaced") << ": wrote " << where;
        reply(response, created ? 201 : 200, written_info(name, values, valid));
    });

    // Kafka Connect's PATCH: the given keys replace theirs, null removes a key, the rest is kept as
    // written in the file (`${env:...}` references stay references).
    router.patch(kConnector + "/config", "Change some keys of a connector's config (null removes one)",
        [&context, writing](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        auto body = parse_object_body(request);
        std::lock_guard lock(*writing);
        auto definition = definition_of(context, name);
        auto base = context.store->written(name).value_or(definition.config.raw);
        auto values = config_values(body, name, std::move(base), true);
        auto valid = validate_values(name, values, context.catalog, context.env);
        const auto where = context.store->write(name, values);
        log::info("rest") << "connector " << name << " config patched: wrote " << where;
        reply(response, 200, written_info(name, values, valid));
    });

    router.del(kConnector, "Stop a connector and remove its file (204)",
        [&context, writing](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        std::lock_guard lock(*writing);
        const bool known = context.herder.definition(name).has_value();
        const bool removed = context.store->remove(name);
        if (!known && !removed) throw ApiError(404, not_found(name));
        log::info("rest") << "connector " << name << " deleted";
        response.status = 204;
    });

    router.get(kConnector + "/status", "State of the connector and each task, with traces, restarts and verdicts",
        [&context](const httplib::Request& request, httplib::Response& response) {
        reply(response, 200, status_of(context, request.matches[1]));
    });

    // KIP-558's shape. Kafka Connect tracks the topics a connector actually used; here they are the
    // ones its config names (a source's topic; a sink's topics and its dead-letter topic).
    router.get(kConnector + "/topics", "The topics the connector's config names (KIP-558's shape)",
        [&context](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        const auto config = definition_of(context, name).config;
        array topics;
        if (config.kind == INGEST_KIND_SOURCE) {
            topics.push_back(boost::json::string(config.runner.topic));
        } else {
            for (const auto& topic : config.topics()) topics.push_back(boost::json::string(topic));
            topics.push_back(boost::json::string(config.dead_letter_topic()));
        }
        reply(response, 200, object{{name, object{{"topics", std::move(topics)}}}});
    });

    router.get(kConnector + "/tasks", "Its tasks with their configs, secrets masked",
        [&context](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        auto definition = definition_of(context, name);
        auto status = context.herder.status(name);
        array tasks;
        if (status)
            for (const auto& task : status->tasks)
                tasks.push_back(object{{"id", object{{"connector", name}, {"task", task.id}}},
                                       {"config", masked(definition.config.raw, plugin_of(definition))}});
        reply(response, 200, tasks);
    });

    router.get(kConnector + "/tasks/{task}/status", "One task's state",
        [&context](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        const int id = task_id(request, name);
        auto status = status_of(context, name);
        for (auto& task : status["tasks"].as_array())
            if (task.as_object()["id"] == id) {
                reply(response, 200, task);
                return;
            }
        throw ApiError(404, "Task " + name + "/" + std::to_string(id) + " not found");
    });

    router.put(kConnector + "/pause", "PAUSED: tasks stay up, no progress (202)",
        [&context](const httplib::Request& request, httplib::Response& response) {
        context.herder.pause(request.matches[1]);
        response.status = 202;
    });
    router.put(kConnector + "/resume", "RUNNING again, from PAUSED or STOPPED (202)",
        [&context](const httplib::Request& request, httplib::Response& response) {
        context.herder.resume(request.matches[1]);
        response.status = 202;
    });
    router.put(kConnector + "/stop", "STOPPED: tasks shut down, config kept (202)",
        [&context](const httplib::Request& request, httplib::Response& response) {
        context.herder.stop(request.matches[1]);
        response.status = 202;
    });

    // Kafka Connect: without includeTasks/onlyFailed only the connector restarts and the answer is
    // 204; with them, 202 and the status, restarting parts shown RESTARTING.
    router.post(kConnector + "/restart", "Restart the connector; `?includeTasks=true&onlyFailed=true` as in Kafka Connect",
        [&context](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        const bool include_tasks = flag(request, "includeTasks"), only_failed = flag(request, "onlyFailed");
        context.herder.restart(name, include_tasks, only_failed);
        if (!include_tasks && !only_failed) {
            response.status = 204;
            return;
        }
        reply(response, 202, status_of(context, name));
    });

    router.post(kConnector + "/tasks/{task}/restart", "Restart one task (204)",
        [&context](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        const int id = task_id(request, name);
        try {
            context.herder.restart_task(name, id);
        } catch (const std::out_of_range&) {
            throw ApiError(404, "Task " + name + "/" + std::to_string(id) + " not found");
        }
        response.status = 204;
    });

    add_offsets_routes(router, context);
}

}  // namespace ingest::control
