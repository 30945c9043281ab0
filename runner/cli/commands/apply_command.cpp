#include "cli/commands/apply_command.hpp"

#include "cli/commands/connector_plan.hpp"
#include "config/connector_config.hpp"
#include "control/api_error.hpp"
#include "control/config_view.hpp"
#include "control/request_body.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <iostream>
#include <set>

namespace ingest::cli {
namespace {

namespace json = boost::json;
using Action = ConnectorChange::Action;

// One connector file of DIR.
struct DirConnector {
    config::ConnectorSpec spec;
    ConnectorConfigMap config;  // as the REST API would hold it: to compare with the worker's
    json::object written;       // its "config" object as written: what PUT sends
    std::vector<config::Problem> problems;
};

// The file's config as written (`${env:...}` not expanded), as a body to send. The file was just
// read by config::read_connector_file, so it has one.
json::object written_config(const std::string& file) {
    const auto values = control::written_config(file);
    if (!values) throw ClientError(kClientUsage, file + " changed while it was read");
    json::object config;
    for (const auto& [key, value] : *values) config[key] = value;
    return config;
}

// The spec's values as a PUT body would become them on the worker (control/request_body.hpp:
// `connector.class` is `plugin`, a `name` key must match and is dropped), expanded.
ConnectorConfigMap rest_view(const config::ConnectorSpec& spec, std::vector<config::Problem>& problems) {
    json::object body;
    for (const auto& [key, value] : spec.raw) body[key] = value;
    try {
        return control::config_values(body, spec.name);
    } catch (const control::ApiError& error) {
        problems.push_back({"", error.what()});
        return {};
    }
}

std::map<std::string, ConnectorConfigMap> worker_connectors(const RestClient& client) {
    std::map<std::string, ConnectorConfigMap> current;
    const json::value all = client.get("/connectors?expand=info");
    for (const auto& [name, entry] : all.as_object()) {
        json::value config;
        if (const auto* info = entry.as_object().if_contains("info"); info && info->is_object())
            config = info->as_object().at("config");
        else
            try {
                config = client.get("/connectors/" + path_segment(std::string(name)) + "/config");
            } catch (const ClientError& error) {
                if (error.exit_code() == kNotFound) continue;  // deleted meanwhile
                throw;
            }
        auto& values = current[std::string(name)];
        for (const auto& [key, value] : config.as_object())
            values[std::string(key)] = value.is_string() ? std::string(value.as_string()) : json::serialize(value);
    }
    return current;
}

// The worker's verdict on a config it is to be given (Kafka Connect's ConfigInfos): the problems,
// and which keys are passwords (to print them masked).
void validate_on_worker(const RestClient& client, DirConnector& connector, std::set<std::string>& secret_keys) {
    const auto plugin = connector.config.find("plugin");
    if (plugin == connector.config.end() || plugin->second.empty()) {
        connector.problems.push_back({"plugin", "is required: the name of the plugin to run"});
        return;
    }
    json::value answer;
    try {
        answer = client.put("/connector-plugins/" + path_segment(plugin->second) + "/config/validate",
                            connector.written);
    } catch (const ClientError& error) {
        if (error.exit_code() != kNotFound && error.exit_code() != kRequestFailed) throw;
        connector.problems.push_back({"plugin", error.what()});  // no such plugin on the worker, or a bad body
        return;
    }
    for (const auto& entry : answer.at("configs").as_array()) {
        const auto& definition = entry.at("definition").as_object();
        const auto& value = entry.at("value").as_object();
        const std::string key(value.at("name").as_string());
        if (const auto* type = definition.if_contains("type"); type && *type == "PASSWORD") secret_keys.insert(key);
        for (const auto& message : value.at("errors").as_array())
            connector.problems.push_back({key, std::string(message.as_string())});
    }
}

void print_refusal(const std::vector<DirConnector>& connectors) {
    size_t refused = 0;
    for (const auto& connector : connectors) {
        if (connector.problems.empty()) continue;
        ++refused;
        std::cerr << config::ConfigError(connector.spec.source, connector.problems).what() << "\n";
    }
    std::cerr << "apply: refused: " << refused << " file(s) with problems; nothing was changed\n";
}

std::string names_of(const std::vector<ConnectorChange>& changes) {
    std::string text;
    for (const auto& change : changes) {
        if (!text.empty()) text += ", ";
        text += (change.action == Action::create ? "create " : change.action == Action::update ? "update " : "delete ") +
                change.name;
    }
    return text.empty() ? "nothing" : text;
}

}  // namespace

int apply_connectors(const RestClient& client, const ApplyOptions& options) {
    std::vector<DirConnector> connectors;
    try {
        for (auto& spec : config::read_connector_dir(options.dir, config::process_env())) {
            DirConnector connector{spec, {}, written_config(spec.source), spec.problems};
            connector.config = rest_view(connector.spec, connector.problems);
            connectors.push_back(std::move(connector));
        }
    } catch (const config::ConfigError& error) {
        std::cerr << error.what() << "\napply: refused; nothing was changed\n";
        return kClientUsage;
    }
    if (connectors.empty()) {
        // As `kubectl apply` with no objects: an empty (or mistyped) directory deleting every
        // connector is more likely a mistake than the intent; `connectors delete` says it outright.
        std::cerr << "apply: " << options.dir.string() << " holds no connector files (*.json); refused "
                  << "(to delete connectors, use `ingest connectors delete NAME`)\n";
        return kClientUsage;
    }

    std::map<std::string, ConnectorConfigMap> desired;
    for (const auto& connector : connectors) desired[connector.spec.name] = connector.config;
    const auto plan = plan_connectors(desired, worker_connectors(client), options.delete_others);

    // Every config to be written is checked by the worker before anything is.
    std::map<std::string, std::set<std::string>> secret_keys;  // connector → its password keys
    for (auto& connector : connectors) {
        const bool to_write = std::any_of(plan.changes.begin(), plan.changes.end(), [&](const auto& change) {
            return change.name == connector.spec.name && change.action != Action::remove;
        });
        if (to_write && connector.problems.empty())
            validate_on_worker(client, connector, secret_keys[connector.spec.name]);
    }
    if (std::any_of(connectors.begin(), connectors.end(), [](const auto& c) { return !c.problems.empty(); })) {
        print_refusal(connectors);
        return kClientUsage;
    }

    std::cout << "worker " << client.endpoint().describe() << ", directory " << options.dir.string() << " ("
              << connectors.size() << " connector" << (connectors.size() == 1 ? "" : "s") << ")\n";
    std::cout << format_plan(plan, [&](const std::string& name, const std::string& key) {
        const auto found = secret_keys.find(name);
        return config::is_secret_client_override(key) || (found != secret_keys.end() && found->second.count(key));
    });
    if (options.dry_run) {
        std::cout << "dry run: nothing was changed\n";
        return kClientOk;
    }
    if (plan.empty()) {
        std::cout << "nothing to do\n";
        return kClientOk;
    }

    std::map<std::string, const DirConnector*> by_name;
    for (const auto& connector : connectors) by_name[connector.spec.name] = &connector;
    for (size_t done = 0; done < plan.changes.size(); ++done) {
        const auto& change = plan.changes[done];
        const std::string path = "/connectors/" + path_segment(change.name);
        try {
            if (change.action == Action::remove) {
                client.del(path);
                std::cout << "deleted " << change.name << "\n";
            } else {
                client.put(path + "/config", by_name.at(change.name)->written);
                std::cout << (change.action == Action::create ? "created " : "updated ") << change.name << "\n";
            }
        } catch (const ClientError& error) {
            std::cerr << "ingest: " << error.what() << "\n"
                      << "apply: stopped at the first error; applied: "
                      << names_of({plan.changes.begin(), plan.changes.begin() + static_cast<long>(done)})
                      << "; not applied: " << names_of({plan.changes.begin() + static_cast<long>(done), plan.changes.end()})
                      << "\n";
            return error.exit_code();
        }
    }
    std::cout << "apply: done (the worker starts, restarts and stops the connectors; `ingest connectors list` "
                 "shows their state)\n";
    return kClientOk;
}

}  // namespace ingest::cli
