// Thin RAII over librdkafka handles and configuration, shared by producers, consumers and admin.
#pragma once

#include <librdkafka/rdkafka.h>

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
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

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

// Builds a librdkafka configuration; throws KafkaError naming the property that was refused.
Conf make_conf(const Properties& properties);

// Creates the client; on success librdkafka owns `conf`.
Handle make_handle(rd_kafka_type_t type, Conf conf);

// Routes librdkafka's own log lines into the runner's log (component "kafka").
void route_logs(rd_kafka_conf_t* conf);

std::string error_text(rd_kafka_resp_err_t err);

// A partition's low and high (next to be written) offsets as the broker reports them; any client
// handle can ask. Throws KafkaError naming the partition.
std::pair<int64_t, int64_t> watermarks(rd_kafka_t* handle, const std::string& topic, int32_t partition,
                                       int timeout_ms = 10000);

}  // namespace ingest::kafka
