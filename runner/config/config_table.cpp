#include "config/config_table.hpp"

#include <set>
#include <sstream>

namespace ingest::config {
namespace {

std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

std::optional<std::string> check_range(const ingest_config_key& key, double value) {
    if (key.has_min && value < key.min) return "must be >= " + format_number(key.min);
    if (key.has_max && value > key.max) return "must be <= " + format_number(key.max);
    return std::nullopt;
}

}  // namespace

const char* type_name(ingest_config_type type) {
    switch (type) {
        case INGEST_CONFIG_STRING: return "string";
        case INGEST_CONFIG_INT: return "int";
        case INGEST_CONFIG_DOUBLE: return "double";
        case INGEST_CONFIG_BOOL: return "boolean";
        case INGEST_CONFIG_PASSWORD: return "password";
    }
    return "unknown";
}

std::optional<std::string> check_value(const ingest_config_key& key, const std::string& value) {
    if (value.size() > kMaxConfigValueBytes)
        return "the value is " + std::to_string(value.size()) + " bytes long; a config value may be at most " +
               std::to_string(kMaxConfigValueBytes) + " bytes";
    if (value.find('\0') != std::string::npos)
        return "the value contains a NUL byte (\\u0000); values reach plugins as C strings and would be cut there";
    switch (key.type) {
        // The SDK's grammar: what passes here, ConfigDef parses.
        case INGEST_CONFIG_INT: {
            auto parsed = sdk::parse_int(value);
            if (!parsed) return "expected an integer, got '" + value + "'";
            return check_range(key, static_cast<double>(*parsed));
        }
        case INGEST_CONFIG_DOUBLE: {
            auto parsed = sdk::parse_double(value);
            if (!parsed) return "expected a number, got '" + value + "'";
            return check_range(key, *parsed);
        }
        case INGEST_CONFIG_BOOL:
            if (!sdk::parse_bool(value)) return "expected true or false, got '" + value + "'";
            return std::nullopt;
        case INGEST_CONFIG_STRING:
            if (key.allowed_values) {
                std::string allowed;
                for (const char* const* v = key.allowed_values; *v; ++v) {
                    if (value == *v) return std::nullopt;
                    allowed += allowed.empty() ? *v : std::string(", ") + *v;
                }
                return "'" + value + "' is not one of: " + allowed;
            }
            return std::nullopt;
        case INGEST_CONFIG_PASSWORD:
            return std::nullopt;
    }
    return "has an unknown type";
}

const ingest_config_key* find_key(std::span<const ingest_config_key> table, const std::string& name) {
    for (const auto& key : table)
        if (key.name && name == key.name) return &key;
    return nullptr;
}

void apply_table(std::span<const ingest_config_key> table, const std::map<std::string, std::string>& raw,
                 std::map<std::string, std::string>& out, std::vector<Problem>& problems,
                 const std::set<std::string>& given_but_broken) {
    for (const auto& key : table) {
        auto given = raw.find(key.name);
        if (given == raw.end()) {
            if (given_but_broken.count(key.name)) continue;
            if (key.default_value)
                out[key.name] = key.default_value;
            else
                problems.push_back({key.name, "is required (" + std::string(key.documentation ? key.documentation : "") + ")"});
            continue;
        }
        if (auto problem = check_value(key, given->second))
            problems.push_back({key.name, *problem});
        else
            out[key.name] = given->second;
    }
}

std::vector<std::string> check_table(std::span<const ingest_config_key> table) {
    std::vector<std::string> problems;
    std::set<std::string> seen;
    for (size_t i = 0; i < table.size(); ++i) {
        const auto& key = table[i];
        if (!key.name || !*key.name) {
            problems.push_back("config key #" + std::to_string(i) + " has no name");
            continue;
        }
        if (!seen.insert(key.name).second)
            problems.push_back("config key '" + std::string(key.name) + "' is declared twice");
        if (key.type < INGEST_CONFIG_STRING || key.type > INGEST_CONFIG_PASSWORD)
            problems.push_back("config key '" + std::string(key.name) + "' has an unknown type");
        else if (key.default_value)
            if (auto problem = check_value(key, key.default_value))
                problems.push_back("default of config key '" + std::string(key.name) + "' " + *problem);
    }
    return problems;
}

}  // namespace ingest::config
