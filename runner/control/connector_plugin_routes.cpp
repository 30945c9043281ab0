// /connector-plugins: the plugins on the plugin path, their config keys (Kafka Connect's
// ConfigKeyInfo) and validation of a config against one of them (Kafka Connect's ConfigInfos:
// every key's errors at once).
#include "control/api_error.hpp"
#include "control/config_view.hpp"
#include "control/routes.hpp"

#include "config/runner_keys.hpp"

#include <boost/json.hpp>

#include <map>
#include <span>
#include <vector>

namespace ingest::control {
namespace {

using boost::json::array;
using boost::json::object;

struct Group {
    std::string name;
    std::span<const ingest_config_key> keys;
};

// The keys a connector of this plugin has, in Kafka Connect's groups: the runner's keys common to
// every connector, those of its kind, and the plugin's own.
std::vector<Group> groups_of(const ingest_plugin& plugin) {
    return {{"Common", config::common_runner_keys().table()},
            {plugin.kind == INGEST_KIND_SOURCE ? "Source" : "Sink", config::runner_keys_for(plugin.kind).table()},
            {"Plugin", {plugin.config_keys, plugin.config_key_count}}};
}

const char* kafka_type(ingest_config_type type) {
    switch (type) {
        case INGEST_CONFIG_STRING: return "STRING";
        case INGEST_CONFIG_INT: return "LONG";
        case INGEST_CONFIG_DOUBLE: return "DOUBLE";
        case INGEST_CONFIG_BOOL: return "BOOLEAN";
        case INGEST_CONFIG_PASSWORD: return "PASSWORD";
    }
    return "STRING";
}

array recommended_values(const ingest_config_key& key) {
    array values;
    if (key.allowed_values)
        for (const char* const* value = key.allowed_values; *value; ++value) values.push_back(*value);
    return values;
}

// Kafka Connect's ConfigKeyInfo.
object definition_of(const ingest_config_key& key, const std::string& group, int order) {
    boost::json::value default_value = nullptr;
    if (key.default_value) default_value = key.type == INGEST_CONFIG_PASSWORD ? kMasked : key.default_value;
    return {{"name", key.name},
            {"type", kafka_type(key.type)},
            {"required", key.default_value == nullptr},
            {"default_value", default_value},
            {"importance", key.default_value ? "MEDIUM" : "HIGH"},
            {"documentation", key.documentation ? key.documentation : ""},
            {"group", group},
            {"width", "NONE"},
            {"display_name", key.name},
            {"dependents", array{}},
            {"order", order}};
}

std::shared_ptr<plugin_host::PluginLibrary> plugin_named(const RouteContext& context, const std::string& name) {
    const auto& plugins = context.catalog.plugins();
    auto found = plugins.find(name);
    if (found == plugins.end()) throw ApiError(404, "Plugin " + name + " not found");
    return found->second;
}

}  // namespace

void add_connector_plugin_routes(Router& router, const RouteContext& context) {
    router.get("/connector-plugins", "Installed plugins: class (name), type, version",
        [&context](const httplib::Request&, httplib::Response& response) {
        array plugins;
        for (const auto& [name, library] : context.catalog.plugins()) {
            const auto& descriptor = library->descriptor();
            plugins.push_back(object{{"class", name},
                                     {"type", plugin_host::kind_name(descriptor.kind)},
                                     {"version", descriptor.version ? descriptor.version : ""}});
        }
        reply(response, 200, plugins);
    });

    router.get("/connector-plugins/{plugin}/config", "A plugin's config keys: type, default, documentation",
        [&context](const httplib::Request& request, httplib::Response& response) {
        const auto library = plugin_named(context, request.matches[1]);
        array keys;
        int order = 0;
        for (const auto& group : groups_of(library->descriptor()))
            for (const auto& key : group.keys) keys.push_back(definition_of(key, group.name, ++order));
        reply(response, 200, keys);
    });

    // The body is a connector config (Kafka Connect's habit: `connector.class` may name the plugin,
    // and must then match the path). Answers 200 whatever the config's problems: they are the result.
    router.put("/connector-plugins/{plugin}/config/validate", "Validate a config: every key's errors at once, in Kafka Connect's ConfigInfos shape",
        [&context](const httplib::Request& request, httplib::Response& response) {
        const std::string plugin_name = request.matches[1];
        const auto library = plugin_named(context, plugin_name);
        const auto& plugin = library->descriptor();
        auto body = parse_object_body(request);
        std::string name = "validate";
        if (auto* given = body.if_contains("name"); given && given->is_string()) name = std::string(given->as_string());
        auto values = config_values(body, name);
        if (auto named = values.find("plugin"); named != values.end() && named->second != plugin_name)
            throw ApiError(400, "the config names plugin '" + named->second + "' but the request is for '" + plugin_name + "'");
        values["plugin"] = plugin_name;

        std::map<std::string, std::vector<std::string>> errors;  // key ("" for the config as a whole) → messages
        try {
            validate_values(name, values, context.catalog, context.env);
        } catch (const config::ConfigError& error) {
            for (const auto& problem : error.problems()) errors[problem.key].push_back(problem.message);
        }

        array groups, configs;
        int order = 0, error_count = 0;
        auto add_value = [&](object definition, const std::string& key, boost::json::value value, array recommended) {
            array messages;
            if (auto found = errors.find(key); found != errors.end()) {
                for (const auto& message : found->second) messages.push_back(boost::json::string(message));
                error_count += static_cast<int>(found->second.size());
                errors.erase(found);
            }
            configs.push_back(object{{"definition", std::move(definition)},
                                     {"value", object{{"name", key},
                                                      {"value", std::move(value)},
                                                      {"recommended_values", std::move(recommended)},
                                                      {"errors", std::move(messages)},
                                                      {"visible", true}}}});
        };
        for (const auto& group : groups_of(plugin)) {
            groups.push_back(boost::json::string(group.name));
            for (const auto& key : group.keys) {
                boost::json::value value = nullptr;
                if (auto given = values.find(key.name); given != values.end())
                    value = key.type == INGEST_CONFIG_PASSWORD ? kMasked : given->second;
                else if (key.default_value)
                    value = key.type == INGEST_CONFIG_PASSWORD ? kMasked : key.default_value;
                add_value(definition_of(key, group.name, ++order), key.name, std::move(value), recommended_values(key));
            }
        }
        // Keys the plugin does not declare, and problems of the config as a whole (its cross-key rules
        // name their keys; what names none is reported on `plugin`).
        if (auto whole = errors.find(""); whole != errors.end()) {
            auto& on_plugin = errors["plugin"];
            on_plugin.insert(on_plugin.end(), whole->second.begin(), whole->second.end());
            errors.erase("");
        }
        for (const auto& [key, messages] : std::map(errors)) {
            if (key == "plugin") continue;
            auto given = values.find(key);
            add_value(object{{"name", key}, {"type", "STRING"}, {"required", false}, {"default_value", nullptr},
                             {"importance", "LOW"}, {"documentation", "not a key of this connector"},
                             {"group", "Unknown"}, {"width", "NONE"}, {"display_name", key},
                             {"dependents", array{}}, {"order", ++order}},
                      key,
                      given == values.end()          ? boost::json::value(nullptr)
                      : is_secret(nullptr, key) ? boost::json::value(kMasked)  // a refused secret override
                                                     : boost::json::value(given->second),
                      array{});
        }
        if (auto rest = errors.find("plugin"); rest != errors.end()) {
            // `plugin` was listed with the common keys before these were moved onto it.
            for (auto& config : configs) {
                auto& value = config.as_object()["value"].as_object();
                if (value["name"] != "plugin") continue;
                for (const auto& message : rest->second) value["errors"].as_array().push_back(boost::json::string(message));
                error_count += static_cast<int>(rest->second.size());
            }
        }
        reply(response, 200, object{{"name", plugin_name}, {"error_count", error_count}, {"groups", std::move(groups)},
                                    {"configs", std::move(configs)}});
    });
}

}  // namespace ingest::control
