#include "control/config_view.hpp"

#include "config/config_table.hpp"
#include "config/runner_keys.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace ingest::control {

const ingest_config_key* declared_key(const ingest_plugin& plugin, const std::string& key) {
    if (auto* found = config::find_key(config::common_runner_keys().table(), key)) return found;
    if (auto* found = config::find_key(config::runner_keys_for(plugin.kind).table(), key)) return found;
    return config::find_key({plugin.config_keys, plugin.config_key_count}, key);
}

bool is_secret(const ingest_plugin* plugin, const std::string& key) {
    if (config::is_secret_client_override(key)) return true;  // e.g. consumer.override.ssl.key.password
    if (!plugin) return false;
    const auto* declared = declared_key(*plugin, key);
    return declared && declared->type == INGEST_CONFIG_PASSWORD;
}

boost::json::object masked(const ConfigValues& config, const ingest_plugin* plugin) {
    boost::json::object result;
    for (const auto& [key, value] : config) result[key] = is_secret(plugin, key) ? kMasked : value;
    return result;
}

std::optional<ConfigValues> written_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto document = boost::json::parse(text.str(), ec);
    if (ec || !document.is_object()) return std::nullopt;
    const auto* config = document.as_object().if_contains("config");
    if (!config || !config->is_object()) return std::nullopt;
    ConfigValues values;
    for (const auto& [key, value] : config->as_object()) {
        if (value.is_string())
            values[key] = std::string(value.as_string());
        else if (value.is_bool())
            values[key] = value.as_bool() ? "true" : "false";
        else if (value.is_number())
            values[key] = boost::json::serialize(value);
    }
    return values;
}

void check_name(const std::string& name) {
    // parse_connector owns the naming rule; an empty config is otherwise valid there.
    const boost::json::object body{{"name", name}, {"config", boost::json::object{}}};
    config::parse_connector(boost::json::serialize(body), "connector '" + name + "'", name,
                            [](const std::string&) { return std::nullopt; });
}

worker::ConnectorDefinition validate_values(const std::string& name, const ConfigValues& values,
                                        const plugin_host::PluginCatalog& catalog, const config::EnvLookup& env) {
    const std::string source = "connector '" + name + "'";
    auto spec = config::spec_of(name, values, source, env);
    if (!spec.problems.empty()) throw config::ConfigError(source, spec.problems);
    const std::string plugin = config::plugin_name_of(spec);
    std::shared_ptr<plugin_host::PluginLibrary> library;
    try {
        library = catalog.find(plugin);
    } catch (const std::exception& error) {
        throw config::ConfigError(source, {{"plugin", error.what()}});
    }
    try {
        return {config::validate_connector(spec, library->descriptor()), library};
    } catch (const config::ConfigError& error) {
        // A problem may quote a value; the values of password keys never leave in a response.
        std::vector<config::Problem> masked_problems;
        for (auto problem : error.problems()) {
            for (const auto& [key, value] : spec.raw)
                if (!value.empty() && is_secret(&library->descriptor(), key))
                    for (auto at = problem.message.find(value); at != std::string::npos;
                         at = problem.message.find(value, at + std::string(kMasked).size()))
                        problem.message.replace(at, value.size(), kMasked);
            masked_problems.push_back(std::move(problem));
        }
        throw config::ConfigError(error.source(), std::move(masked_problems));
    }
}

}  // namespace ingest::control
