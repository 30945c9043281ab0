// /connectors/{name}/offsets: Kafka Connect's KIP-875 endpoints with its shapes. A sink's
// partition is {"kafka_topic", "kafka_partition"} and its offset {"kafka_offset"}, the next offset
// to consume; wherever the connector keeps them (worker/connector_offsets.hpp). Altering and
// resetting need the connector STOPPED.
#include "control/api_error.hpp"
#include "control/request_body.hpp"
#include "control/routes.hpp"

#include <boost/json.hpp>

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
        const auto changes = offset_changes(parse_object_body(request));
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
