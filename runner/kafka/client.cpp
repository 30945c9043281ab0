#include "kafka/client.hpp"

#include "log/logging.hpp"

namespace ingest::kafka {

PartitionList to_list(const std::vector<PartitionOffset>& partitions) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const auto& p : partitions)
        rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.offset;
    return list;
}

std::vector<PartitionOffset> from_list(const rd_kafka_topic_partition_list_t* list) {
    std::vector<PartitionOffset> result;
    for (int i = 0; list && i < list->cnt; ++i)
        result.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
    return result;
}

Conf make_conf(const Properties& properties) {
    Conf conf(rd_kafka_conf_new());
    char error[512];
    for (const auto& [key, value] : properties)
        if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error, sizeof error) !=
            RD_KAFKA_CONF_OK)
            throw KafkaError("Kafka client property '" + key + "': " + error);
    route_logs(conf.get());
    return conf;
}

Handle make_handle(rd_kafka_type_t type, Conf conf) {
    char error[512];
    rd_kafka_t* handle = rd_kafka_new(type, conf.get(), error, sizeof error);
    if (!handle) throw KafkaError(std::string("cannot create Kafka client: ") + error);
    conf.release();  // owned by the handle now
    return Handle(handle);
}

void route_logs(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* facility, const char* message) {
        // syslog levels: 0-3 error, 4 warning, 5-6 info/notice, 7 debug
        auto ours = level <= 3 ? log::Level::error
                    : level == 4 ? log::Level::warn
                    : level <= 6 ? log::Level::info
                                 : log::Level::debug;
        log::write(ours, "kafka", std::string(facility) + ": " + message);
    });
}

std::pair<int64_t, int64_t> watermarks(rd_kafka_t* handle, const std::string& topic, int32_t partition,
                                       int timeout_ms) {
    int64_t low = -1, high = -1;
    if (auto err = rd_kafka_query_watermark_offsets(handle, topic.c_str(), partition, &low, &high, timeout_ms))
        throw KafkaError("cannot read watermarks of " + topic + "/" + std::to_string(partition) + ": " + error_text(err));
    return {low, high};
}

std::string error_text(rd_kafka_resp_err_t err) {
    return std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err);
}

}  // namespace ingest::kafka
