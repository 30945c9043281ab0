// /connectors/{name}/offsets: Kafka Connect's KIP-875 endpoints with its shapes. A sink's
// partition is {"kafka_topic", "kafka_partition"} and its offset {"kafka_offset"}, the next offset
// to consume; wherever the connector keeps them (worker/connector_offsets.hpp). Altering and
// resetting need the connector STOPPED.
#include "control/api_error.hpp"
#include "control/routes.hpp"

#include <boost/json.hpp>

#include <limits>

namespace ingest::control {
namespace {

using boost::json::array;
using boost::json::object;
using worker::ConnectorOffset;

const std::string kOffsets = "/connectors/{connector}/offsets";

object to_json(const ConnectorOffset& offset) {
    return {{"partition", object{{"kafka_topic", offset.topic}, {"kafka_partition", offset.partition}}},
            {"offset", offset.offset ? boost::json::value(object{{"kafka_offset", *offset.offset}}) : nullptr}};
}

// An integer JSON value (any of Boost.JSON's integer kinds, or a double holding an integer).
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

// Runs an offsets operation, turning its refusals into Kafka Connect's statuses.
template <typename Operation>
void translated(Operation&& operation) {
    try {
        operation();
    } catch (const worker::ConnectorNotStopped& error) {
        throw ApiError(400, error.what());
    } catch (const worker::OffsetsRefused& error) {
        throw ApiError(400, error.what());
    } catch (const worker::OffsetsUnsupported& error) {
        throw ApiError(501, error.what());
    } catch (const worker::UnknownConnector&) {
        throw;
    } catch (const std::runtime_error& error) {
        throw ApiError(500, error.what());
    }
}

}  // namespace

void add_offsets_routes(Router& router, const RouteContext& context) {
    router.get(kOffsets, "A connector's offsets where it keeps them (KIP-875)",
        [&context](const httplib::Request& request, httplib::Response& response) {
        array offsets;
        translated([&] {
            for (const auto& offset : context.herder.offsets(request.matches[1])) offsets.push_back(to_json(offset));
        });
        reply(response, 200, object{{"offsets", std::move(offsets)}});
    });

    router.patch(kOffsets, "Set or forget some partitions' offsets; the connector must be STOPPED",
        [&context](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        auto body = parse_object_body(request);
        only_fields(body, {"offsets"}, "the body");
        const auto* offsets = body.if_contains("offsets");
        if (!offsets || !offsets->is_array() || offsets->as_array().empty())
            throw ApiError(400, "Partitions / offsets need to be provided for an alter offsets request: "
                                "\"offsets\" must be a non-empty array");
        std::vector<ConnectorOffset> changes;
        for (size_t i = 0; i < offsets->as_array().size(); ++i) changes.push_back(parse_offset(offsets->as_array()[i], i));
        translated([&] { context.herder.alter_offsets(name, changes); });
        reply(response, 200, object{{"message", "The offsets for this connector have been altered successfully"}});
    });

    router.del(kOffsets, "Forget every offset (it starts from the beginning); the connector must be STOPPED",
        [&context](const httplib::Request& request, httplib::Response& response) {
        translated([&] { context.herder.reset_offsets(request.matches[1]); });
        reply(response, 200, object{{"message", "The offsets for this connector have been reset successfully"}});
    });
}

}  // namespace ingest::control
