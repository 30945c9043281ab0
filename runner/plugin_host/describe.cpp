#include "plugin_host/describe.hpp"

#include "config/client_overrides.hpp"
#include "config/config_table.hpp"
#include "config/runner_keys.hpp"
#include "config/topic_creation.hpp"
#include "plugin_host/plugin_library.hpp"

#include <boost/json.hpp>

#include <sstream>
#include <vector>

namespace ingest::plugin_host {
namespace {

struct Section {
    const char* title;
    std::span<const ingest_config_key> keys;
};

std::vector<Section> sections(const ingest_plugin& plugin) {
    return {{"Runner keys (all connectors)", config::common_runner_keys().table()},
            {plugin.kind == INGEST_KIND_SOURCE ? "Runner keys (sources)" : "Runner keys (sinks)",
             config::runner_keys_for(plugin.kind).table()},
            {"Plugin keys", {plugin.config_keys, plugin.config_key_count}}};
}

// The JSON type of a value in a connector file (all values may also be strings, as in Kafka Connect).
boost::json::value json_type(const ingest_config_key& key) {
    switch (key.type) {
        case INGEST_CONFIG_INT: return boost::json::array{"integer", "string"};
        case INGEST_CONFIG_DOUBLE: return boost::json::array{"number", "string"};
        case INGEST_CONFIG_BOOL: return boost::json::array{"boolean", "string"};
        default: return "string";
    }
}

void pretty(std::ostream& out, const boost::json::value& value, int indent = 0) {
    std::string pad(indent, ' ');
    if (value.is_object()) {
        const auto& object = value.as_object();
        if (object.empty()) { out << "{}"; return; }
        out << "{\n";
        size_t i = 0;
        for (const auto& [key, member] : object) {
            out << pad << "  " << boost::json::serialize(boost::json::string(key)) << ": ";
            pretty(out, member, indent + 2);
            out << (++i < object.size() ? ",\n" : "\n");
        }
        out << pad << "}";
    } else {
        out << boost::json::serialize(value);
    }
}

std::string format_bound(const ingest_config_key& key, double bound) {
    if (key.type == INGEST_CONFIG_INT) return std::to_string(static_cast<long long>(bound));
    std::ostringstream out;
    out << bound;
    return out.str();
}

// A JSON Schema pattern matching the keys that start with `prefix`.
std::string prefix_pattern(std::string_view prefix) {
    std::string pattern = "^";
    for (char c : prefix) {
        if (c == '.') pattern += '\\';
        pattern += c;
    }
    return pattern;
}

// The key families the runner accepts besides declared keys: client overrides, and a source's
// topic settings (their names are Kafka's and librdkafka's, checked by the runner, not listed).
boost::json::object key_families(ingest_plugin_kind kind) {
    boost::json::object families;
    for (std::string_view prefix : config::client_override_prefixes(kind))
        families[prefix_pattern(prefix)] = {
            {"type", "string"},
            {"description", "A librdkafka property for this connector's " +
                                std::string(prefix.substr(0, prefix.find('.'))) +
                                " client, over the worker's (allowed by the worker's client override policy)."}};
    if (kind == INGEST_KIND_SOURCE)
        families[prefix_pattern(config::kTopicCreationDefaultPrefix)] = {
            {"type", "string"},
            {"description", "A Kafka topic config for the topic the runner creates for this source (KIP-158)."}};
    return families;
}

std::string markdown_cell(std::string text) {
    for (size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2)) text.replace(at, 1, "\\|");
    return text;
}

}  // namespace

std::string describe_json_schema(const ingest_plugin& plugin) {
    boost::json::object properties;
    boost::json::array required;
    for (const auto& section : sections(plugin)) {
        for (const auto& key : section.keys) {
            boost::json::object property;
            property["type"] = json_type(key);
            property["description"] = key.documentation ? key.documentation : "";
            if (key.default_value)
                property["default"] = key.default_value;
            else
                required.push_back(key.name);
            if (key.has_min) property["minimum"] = key.min;
            if (key.has_max) property["maximum"] = key.max;
            if (key.allowed_values) {
                boost::json::array values;
                for (const char* const* v = key.allowed_values; *v; ++v) values.push_back(*v);
                property["enum"] = std::move(values);
            }
            if (key.type == INGEST_CONFIG_PASSWORD) property["writeOnly"] = true;
            properties[key.name] = std::move(property);
        }
    }
    boost::json::object config;
    config["type"] = "object";
    config["properties"] = std::move(properties);
    config["required"] = std::move(required);
    config["patternProperties"] = key_families(plugin.kind);
    config["additionalProperties"] = false;

    boost::json::object schema;
    schema["$schema"] = "http://json-schema.org/draft-07/schema#";
    schema["title"] = std::string("Connector config for plugin ") + plugin.name;
    schema["description"] = plugin.description ? plugin.description : "";
    schema["type"] = "object";
    schema["properties"] = boost::json::object{{"name", boost::json::object{{"type", "string"}}}, {"config", std::move(config)}};
    schema["required"] = boost::json::array{"config"};
    schema["additionalProperties"] = false;

    // JSON has no comments: the provenance lives in $comment.
    schema["$comment"] = "Generated from the plugin's config table by `ingest plugins describe " +
                         std::string(plugin.name) + "`; do not edit by hand.";
    std::ostringstream json;
    pretty(json, schema);
    json << "\n";
    return json.str();
}

std::string describe_markdown(const ingest_plugin& plugin) {
    std::ostringstream out;
    out << "<!-- Generated by `ingest plugins describe " << plugin.name << " --format markdown`; do not edit. -->\n";
    out << "# `" << plugin.name << "` (" << kind_name(plugin.kind) << ", version " << plugin.version << ")\n\n";
    if (plugin.description) out << plugin.description << "\n\n";
    for (const auto& section : sections(plugin)) {
        if (section.keys.empty()) continue;
        out << "## " << section.title << "\n\n| key | type | default | valid values | description |\n|---|---|---|---|---|\n";
        for (const auto& key : section.keys) {
            std::string valid;
            if (key.has_min || key.has_max)
                valid = "[" + (key.has_min ? format_bound(key, key.min) : "…") + ", " +
                        (key.has_max ? format_bound(key, key.max) : "…") + "]";
            if (key.allowed_values)
                for (const char* const* v = key.allowed_values; *v; ++v) valid += (valid.empty() ? "" : ", ") + std::string("`") + *v + "`";
            out << "| `" << key.name << "` | " << config::type_name(key.type) << " | "
                << (!key.default_value ? std::string("(required)")
                    : *key.default_value ? "`" + std::string(key.default_value) + "`"
                                         : std::string("(empty)"))
                << " | "
                << valid << " | " << markdown_cell(key.documentation ? key.documentation : "") << " |\n";
        }
        out << "\n";
    }
    return out.str();
}

}  // namespace ingest::plugin_host
