#include "config/connector_config.hpp"

#include "config/json_duplicates.hpp"
#include "config/runner_keys.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace ingest::config {
namespace {

std::string describe(const std::vector<Problem>& problems) {
    std::string text;
    for (const auto& problem : problems) {
        text += "\n  - ";
        if (!problem.key.empty()) text += "key '" + problem.key + "': ";
        text += problem.message;
    }
    return text;
}

bool valid_connector_name(const std::string& name) {
    static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    return std::regex_match(name, pattern);
}

}  // namespace

ConfigError::ConfigError(std::string source, std::vector<Problem> problems)
    : std::runtime_error(source + ": invalid connector config:" + describe(problems)),
      source_(std::move(source)),
      problems_(std::move(problems)) {}

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* value = std::getenv(name.c_str())) return std::string(value);
        return std::nullopt;
    };
}

std::optional<std::string> expand_env(const std::string& value, const EnvLookup& env, std::string& out) {
    static const std::string kOpen = "${env:";
    out.clear();
    size_t at = 0;
    while (true) {
        size_t start = value.find(kOpen, at);
        if (start == std::string::npos) {
            out.append(value, at, std::string::npos);
            return std::nullopt;
        }
        out.append(value, at, start - at);
        size_t close = value.find('}', start);
        if (close == std::string::npos)
            return "unterminated '${env:' reference in '" + value + "'";
        std::string body = value.substr(start + kOpen.size(), close - start - kOpen.size());
        std::optional<std::string> fallback;
        if (size_t dash = body.find(":-"); dash != std::string::npos) {
            fallback = body.substr(dash + 2);
            body.resize(dash);
        }
        if (body.empty()) return "empty variable name in '${env:...}' reference";
        auto found = env(body);
        if (found && !found->empty())
            out += *found;
        else if (fallback)
            out += *fallback;
        else
            return "environment variable " + body + " is not set";
        if (out.size() > kMaxConfigValueBytes)
            return "expands to more than " + std::to_string(kMaxConfigValueBytes) +
                   " bytes, the most a config value may hold";
        at = close + 1;
    }
}

namespace {

// Keys are quoted in messages: a key longer than any real one is shown cut.
constexpr size_t kMaxKeyBytes = 256;

std::string shown_key(const std::string& key) {
    return key.size() <= kMaxKeyBytes ? key : key.substr(0, 64) + "... (" + std::to_string(key.size()) + " bytes)";
}

}  // namespace

ConnectorSpec spec_of(const std::string& name, const std::map<std::string, std::string>& values,
                      const std::string& source, const EnvLookup& env) {
    ConnectorSpec spec{source, name, {}, {}};
    for (const auto& [key, value] : values) {
        std::string expanded;
        if (auto problem = expand_env(value, env, expanded))
            spec.problems.push_back({key, *problem});
        else
            spec.raw[key] = expanded;
    }
    return spec;
}

ConnectorSpec parse_connector(const std::string& text, const std::string& source,
                              const std::string& fallback_name, const EnvLookup& env) {
    if (text.size() > kMaxConnectorFileBytes)
        throw ConfigError(source, {{"", "is " + std::to_string(text.size()) + " bytes long; a connector config may be at most " +
                                            std::to_string(kMaxConnectorFileBytes) + " bytes"}});
    boost::json::stream_parser parser;
    boost::system::error_code ec;
    size_t consumed = parser.write_some(text.data(), text.size(), ec);
    if (!ec) parser.finish(ec);
    if (ec)
        throw ConfigError(source, {{"", "not valid JSON at " + text_position(text, consumed) + ": " + ec.message()}});
    boost::json::value document = parser.release();
    if (!document.is_object())
        throw ConfigError(source, {{"", "expected a JSON object {\"name\": ..., \"config\": {...}}"}});

    std::vector<Problem> fatal;     // the body is no connector: thrown
    std::vector<Problem> problems;  // keys that cannot be read: kept for validate_connector
    std::set<std::string> repeated_config_keys;
    // The parser kept the last of repeated keys; which one the author meant is unknown.
    for (const auto& duplicate : find_duplicate_keys(text)) {
        if (duplicate.object.empty())
            fatal.push_back({"", "the field \"" + shown_key(duplicate.key) + "\" is given more than once"});
        else if (duplicate.object == "config" && repeated_config_keys.insert(duplicate.key).second)
            problems.push_back({shown_key(duplicate.key),
                                "is given more than once in \"config\"; give each key once (which value was "
                                "meant is unknown, so none is used)"});
    }
    ConnectorSpec spec;
    spec.source = source;
    spec.name = fallback_name;
    const auto& object = document.as_object();
    for (const auto& [field, value] : object) {
        if (field == "name") {
            if (value.is_string())
                spec.name = std::string(value.as_string());
            else
                fatal.push_back({"", "\"name\" must be a string"});
        } else if (field != "config") {
            problems.push_back({"", "unknown top-level field \"" + shown_key(std::string(field)) +
                                        "\" (expected \"name\" and \"config\")"});
        }
    }
    if (!valid_connector_name(spec.name))
        fatal.push_back({"", "connector name '" + shown_key(spec.name) +
                                 "' must be 1-128 characters of letters, digits, '.', '_' or '-'"});

    auto config = object.if_contains("config");
    if (!config || !config->is_object()) fatal.push_back({"", "missing \"config\" object"});
    if (config && config->is_object()) {
        for (const auto& [key_view, value] : config->as_object()) {
            std::string key(key_view);
            if (repeated_config_keys.count(key)) continue;
            if (key.size() > kMaxKeyBytes || key.find('\0') != std::string::npos) {
                problems.push_back({shown_key(key), "is no config key (longer than " + std::to_string(kMaxKeyBytes) +
                                                        " bytes, or holding a NUL byte)"});
                continue;
            }
            std::string text_value;
            if (value.is_string())
                text_value = std::string(value.as_string());
            else if (value.is_bool())
                text_value = value.as_bool() ? "true" : "false";
            else if (value.is_int64() || value.is_uint64() || value.is_double())
                text_value = boost::json::serialize(value);
            else {
                problems.push_back({key, std::string("value must be a string, number or boolean, not ") +
                                             (value.is_null() ? "null" : value.is_array() ? "an array" : "an object")});
                continue;
            }
            std::string expanded;
            if (auto problem = expand_env(text_value, env, expanded))
                problems.push_back({key, *problem});
            else
                spec.raw[key] = expanded;
        }
    }
    if (!fatal.empty()) {
        fatal.insert(fatal.end(), problems.begin(), problems.end());
        throw ConfigError(source, fatal);
    }
    spec.problems = std::move(problems);
    return spec;
}

ConnectorSpec read_connector_file(const std::filesystem::path& path, const EnvLookup& env) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path.string(), {{"", "cannot be read"}});
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxConnectorFileBytes)
        throw ConfigError(path.string(), {{"", "is " + std::to_string(size) + " bytes long; a connector config may be at most " +
                                                   std::to_string(kMaxConnectorFileBytes) + " bytes"}});
    // Read one byte past the limit, so a file that grew since it was measured is refused too.
    std::string text(kMaxConnectorFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    return parse_connector(text, path.string(), path.stem().string(), env);
}

std::vector<ConnectorSpec> read_connector_dir(const std::filesystem::path& dir, const EnvLookup& env) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw ConfigError(dir.string(), {{"", "is not a directory"}});
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());

    std::vector<ConnectorSpec> specs;
    std::vector<Problem> problems;
    std::map<std::string, std::string> seen;  // name → file
    for (const auto& file : files) {
        try {
            auto spec = read_connector_file(file, env);
            auto [it, fresh] = seen.emplace(spec.name, spec.source);
            if (!fresh)
                problems.push_back({"", spec.source + ": connector name '" + spec.name +
                                            "' is already used by " + it->second});
            else
                specs.push_back(std::move(spec));
        } catch (const ConfigError& error) {
            for (const auto& problem : error.problems())
                problems.push_back({"", error.source() + ": " +
                                            (problem.key.empty() ? "" : "key '" + problem.key + "': ") +
                                            problem.message});
        }
    }
    if (!problems.empty()) throw ConfigError(dir.string(), problems);
    return specs;
}

std::string text_position(const std::string& text, size_t offset) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

ConfigError spec_error(const ConnectorSpec& spec, Problem problem) {
    std::vector<Problem> problems = spec.problems;
    problems.push_back(std::move(problem));
    return ConfigError(spec.source, std::move(problems));
}

std::string plugin_name_of(const ConnectorSpec& spec) {
    auto it = spec.raw.find("plugin");
    if (it != spec.raw.end() && !it->second.empty()) return it->second;
    for (const auto& problem : spec.problems)
        if (problem.key == "plugin") throw ConfigError(spec.source, spec.problems);
    throw spec_error(spec, {"plugin", "is required: the name of the plugin to run"});
}

namespace {

// The plugin's own cross-key checks (its descriptor's validate hook), every problem collected.
void check_with_plugin(const ingest_plugin& plugin, const std::map<std::string, std::string>& values,
                       std::vector<Problem>& problems) {
    const sdk::OwnedConfig config(values);
    auto report = [](void* context, const char* key, const char* message) {
        static_cast<std::vector<Problem>*>(context)->push_back({key ? key : "", message ? message : ""});
    };
    ingest_error error{};
    ingest_status status = INGEST_FATAL;
    try {
        status = plugin.validate(&config.raw(), report, &problems, &error);
    } catch (...) {
        std::snprintf(error.message, sizeof error.message, "validate() threw an exception");
    }
    if (status != INGEST_OK)
        problems.push_back({"", std::string("plugin '") + plugin.name + "' could not check this config: " +
                                    (error.message[0] ? error.message : "no reason given")});
}

}  // namespace

ConnectorConfig validate_connector(const ConnectorSpec& spec, const ingest_plugin& plugin) {
    ConnectorConfig config;
    config.source = spec.source;
    config.name = spec.name;
    config.kind = plugin.kind;
    config.raw = spec.raw;

    // What could not be read comes first, then what the tables and the plugin say of the rest.
    std::vector<Problem> problems = spec.problems;
    std::set<std::string> broken;
    for (const auto& problem : spec.problems)
        if (!problem.key.empty()) broken.insert(problem.key);
    std::span<const ingest_config_key> plugin_table(plugin.config_keys, plugin.config_key_count);
    const auto& common = common_runner_keys();
    const auto& of_kind = runner_keys_for(plugin.kind);
    std::map<std::string, std::string> runner_values;
    apply_table(common.table(), spec.raw, runner_values, problems, broken);
    apply_table(of_kind.table(), spec.raw, runner_values, problems, broken);
    apply_table(plugin_table, spec.raw, config.plugin, problems, broken);

    const ClientOverridePolicy policy = client_override_policy();
    for (const auto& [key, value] : spec.raw) {
        if (find_key(common.table(), key) || find_key(of_kind.table(), key)) continue;
        if (is_client_override(key)) {
            if (auto problem = apply_client_override(key, value, plugin.kind, policy, config.client_overrides, config.secrets))
                problems.push_back({key, *problem});
            continue;
        }
        if (is_topic_creation_key(key)) {
            if (auto problem = apply_topic_creation_key(key, value, plugin.kind, config.topic_configs))
                problems.push_back({key, *problem});
            continue;
        }
        if (const auto* declared = find_key(plugin_table, key)) {
            if (declared->type == INGEST_CONFIG_PASSWORD) config.secrets.push_back(value);
            continue;
        }
        std::string hint = is_runner_key(key.c_str())
                               ? " (a runner key of the other connector kind)"
                               : " (not a runner key nor a key of plugin '" + std::string(plugin.name) +
                                     "'; see `ingest plugins describe " + plugin.name + "`)";
        problems.push_back({key, "unknown key" + hint});
    }
    // Parsing, and rules over several keys, make sense only once every key passed its own checks.
    if (problems.empty()) {
        const sdk::OwnedConfig runner_config(runner_values);
        for (const auto* def : {&common, &of_kind})
            for (auto& problem : def->parse_into(runner_config.config(), config.runner))
                problems.push_back(std::move(problem));
    }
    if (problems.empty() && plugin.validate) check_with_plugin(plugin, config.plugin, problems);
    if (!problems.empty()) throw ConfigError(spec.source, problems);
    return config;
}

std::string ConnectorConfig::consumer_group() const {
    return runner.consumer_group.empty() ? "connect-" + name : runner.consumer_group;
}

int ConnectorConfig::created_topic_partitions() const {
    return runner.topic_creation_partitions > 0 ? runner.topic_creation_partitions : runner.topic_partitions;
}

std::string ConnectorConfig::dead_letter_topic() const {
    if (!runner.dead_letter_topic.empty()) return runner.dead_letter_topic;
    auto all = topics();
    return all.empty() ? name + ".dlq" : all.front() + ".dlq";
}

}  // namespace ingest::config
