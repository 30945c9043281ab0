// Thin RAII over librdkafka handles and configuration, shared by producers, consumers and admin.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ingest::kafka {

using Properties = std::map<std::string, std::string>;

class KafkaError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const;
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct QueueDeleter {
    void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct PartitionOffset {
    std::string topic;
    int32_t partition;
    int64_t offset;  // next offset to consume, or a librdkafka marker (consumer.hpp)
};

struct PartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

PartitionList to_list(const std::vector<PartitionOffset>& partitions);
std::vector<PartitionOffset> from_list(const rd_kafka_topic_partition_list_t* list);

// Builds a librdkafka configuration from exactly `properties`; throws KafkaError naming the
// property that was refused. For the worker's clients, client_conf.
Conf make_conf(const Properties& properties);

// The worker's own client properties (`ingest run --kafka-property`, config::
// parse_worker_client_properties): every client the worker makes for a Kafka cluster gets them
// (producers, consumers, dead-letter producers, admin clients), as Kafka Connect's worker-level
// `security.protocol`, `ssl.*` and `sasl.*` reach all its clients. Set once when the worker starts;
// throws KafkaError naming the first property librdkafka refuses (unknown name, bad value), and then
// keeps the properties set before.
void set_worker_properties(const Properties& properties);
Properties worker_properties();

// A worker client's configuration, each layer replacing what the one before set: the runner's
// `defaults`, the worker's properties, the connector's `overrides` (ClientOverrides, checked by
// config::apply_client_override), and last the `guarantees` the runner's delivery guarantees depend
// on (bootstrap, idempotence, group, offset handling), which nothing above may change.
Conf client_conf(const Properties& defaults, const Properties& overrides, const Properties& guarantees);

// Creates the client; on success librdkafka owns `conf`.
Handle make_handle(rd_kafka_type_t type, Conf conf);
// How long closing a group consumer waits for its group (close_consumer).
inline constexpr std::chrono::seconds kLeaveGroupTimeout{10};

// Closes a group consumer: its revocation goes to `on_rebalance` (with the handle's rebalance
// callback's arguments and opaque), then it leaves the group, waiting at most kLeaveGroupTimeout.
// rd_kafka_consumer_close() waits without bound, and caught in a rebalance of the group (a
// JoinGroup the broker holds until every member has rejoined) it waited for minutes, the group's
// rebalance timeout. Returns false when it gave up: destroy the handle with destroy_without_leaving,
// and the group drops the member when its session times out.
bool close_consumer(rd_kafka_t* handle, const std::string& group,
                    void (*on_rebalance)(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*, void*),
                    void* opaque);

// Destroys a consumer without leaving its group first (the group drops it when its session times
// out): for a consumer whose leaving did not finish (Consumer::close).
void destroy_without_leaving(Handle handle);

// Routes librdkafka's own log lines into the runner's log (component "kafka"); each client's last
// error line is kept for last_client_error.
void route_logs(rd_kafka_conf_t* conf);

// The last connection failure librdkafka logged for `handle` (a refused TLS handshake, failed
// authentication, a refused connection; else its first error line), or "" when none: a request
// that timed out says why with it.
std::string last_client_error(const rd_kafka_t* handle);
// "; the client's last error: ..." to end a message with, or "" when there is none.
std::string last_error_note(const rd_kafka_t* handle);

std::string error_text(rd_kafka_resp_err_t err);

// A partition's low and high (next to be written) offsets as the broker reports them; any client
// handle can ask. Throws KafkaError naming the partition.
std::pair<int64_t, int64_t> watermarks(rd_kafka_t* handle, const std::string& topic, int32_t partition,
                                       int timeout_ms = 10000);

}  // namespace ingest::kafka
