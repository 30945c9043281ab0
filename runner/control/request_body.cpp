#include "control/request_body.hpp"

#include "control/api_error.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <limits>
#include <optional>

namespace ingest::control {
namespace {

using boost::json::object;
using worker::ConnectorOffset;

// An integer JSON value (any of Boost.JSON's integer kinds that fits an int64).
std::optional<int64_t> integer(const boost::json::value& value) {
    if (value.is_int64()) return value.as_int64();
    if (value.is_uint64() && value.as_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return static_cast<int64_t>(value.as_uint64());
    return std::nullopt;
}

// Every field of `json` must be one of `allowed`.
void only_fields(const object& json, std::initializer_list<std::string_view> allowed, const std::string& where) {
    for (const auto& [field, value] : json)
        if (std::find(allowed.begin(), allowed.end(), std::string_view(field)) == allowed.end())
            throw ApiError(400, where + ": unknown field \"" + std::string(field) + "\"");
}

// One element of a PATCH body's "offsets" array.
ConnectorOffset parse_offset(const boost::json::value& element, size_t index) {
    const std::string where = "offsets[" + std::to_string(index) + "]";
    if (!element.is_object()) throw ApiError(400, where + " must be a JSON object with \"partition\" and \"offset\"");
    const auto& entry = element.as_object();
    only_fields(entry, {"partition", "offset"}, where);
    const auto* partition = entry.if_contains("partition");
    if (!partition || !partition->is_object())
        throw ApiError(400, where + ".partition must be a JSON object with \"kafka_topic\" and \"kafka_partition\"");
    only_fields(partition->as_object(), {"kafka_topic", "kafka_partition"}, where + ".partition");
    ConnectorOffset result;
    const auto* topic = partition->as_object().if_contains("kafka_topic");
    if (!topic || !topic->is_string() || topic->as_string().empty())
        throw ApiError(400, where + ".partition.kafka_topic must be a non-empty string");
    result.topic = std::string(topic->as_string());
    const auto* number = partition->as_object().if_contains("kafka_partition");
    const auto partition_number = number ? integer(*number) : std::nullopt;
    if (!partition_number || *partition_number < 0 || *partition_number > std::numeric_limits<int32_t>::max())
        throw ApiError(400, where + ".partition.kafka_partition must be a partition number (an integer >= 0)");
    result.partition = static_cast<int32_t>(*partition_number);
    const auto* offset = entry.if_contains("offset");
    if (!offset) throw ApiError(400, where + ".offset is missing (null resets the partition)");
    if (offset->is_null()) return result;
    if (!offset->is_object()) throw ApiError(400, where + ".offset must be null or a JSON object with \"kafka_offset\"");
    only_fields(offset->as_object(), {"kafka_offset"}, where + ".offset");
    const auto* value = offset->as_object().if_contains("kafka_offset");
    result.offset = value ? integer(*value) : std::nullopt;
    if (!result.offset || *result.offset < 0)
        throw ApiError(400, where + ".offset.kafka_offset must be an offset (an integer >= 0)");
    return result;
}

}  // namespace

ConfigValues config_values(const boost::json::object& config, const std::string& name, ConfigValues base,
                           bool nulls_remove) {
    std::vector<std::string> problems;
    for (const auto& [key_view, value] : config) {
        std::string key(key_view);
        if (key == "connector.class") key = "plugin";
        if (value.is_null() && nulls_remove) {
            base.erase(key);
            continue;
        }
        std::string text;
        if (value.is_string())
            text = std::string(value.as_string());
        else if (value.is_bool())
            text = value.as_bool() ? "true" : "false";
        else if (value.is_number())
            text = boost::json::serialize(value);
        else {
            problems.push_back(std::string(key_view) + ": value must be a string, number or boolean");
            continue;
        }
        if (key == "name") {
            if (text != name) problems.push_back("name: '" + text + "' differs from the connector's name '" + name + "'");
            continue;
        }
        if (key == "plugin" && config.contains("plugin") && config.contains("connector.class") &&
            config.at("plugin") != config.at("connector.class")) {
            problems.push_back("connector.class: differs from plugin (give one of them)");
            continue;
        }
        base[key] = text;
    }
    if (!problems.empty()) {
        std::string message = "the config has " + std::to_string(problems.size()) + " bad value(s):";
        for (const auto& problem : problems) message += "\n" + problem;
        throw ApiError(400, message);
    }
    return base;
}

std::vector<ConnectorOffset> offset_changes(const boost::json::object& body) {
    only_fields(body, {"offsets"}, "the body");
    const auto* offsets = body.if_contains("offsets");
    if (!offsets || !offsets->is_array() || offsets->as_array().empty())
        throw ApiError(400, "Partitions / offsets need to be provided for an alter offsets request: "
                            "\"offsets\" must be a non-empty array");
    std::vector<ConnectorOffset> changes;
    for (size_t i = 0; i < offsets->as_array().size(); ++i) changes.push_back(parse_offset(offsets->as_array()[i], i));
    return changes;
}

}  // namespace ingest::control
