#include "kafka/client.hpp"

#include "log/logging.hpp"

#include <map>
#include <mutex>
#include <string_view>

namespace ingest::kafka {
namespace {

std::mutex g_worker_properties_mutex;
Properties g_worker_properties;

// Each live client's last error line. librdkafka logs a connection's failure (its cause: the TLS
// handshake, authentication) from its own threads, while the request that then times out only
// says it timed out.
std::mutex g_last_errors_mutex;
std::map<const rd_kafka_t*, std::string> g_last_errors;

}  // namespace

std::string last_error_note(const rd_kafka_t* handle) {
    const std::string error = last_client_error(handle);
    return error.empty() ? error : "; the client's last error: " + error;
}

void HandleDeleter::operator()(rd_kafka_t* handle) const {
    rd_kafka_destroy(handle);
    std::lock_guard lock(g_last_errors_mutex);
    g_last_errors.erase(handle);
}

bool close_consumer(rd_kafka_t* handle, const std::string& group,
                    void (*on_rebalance)(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*, void*),
                    void* opaque) {
    // The close's rebalance (the revocation) comes through this queue.
    Queue closing(rd_kafka_queue_new(handle));
    if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(handle, closing.get())) {
        log::warn("kafka") << "cannot leave group '" << group << "': " << rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + kLeaveGroupTimeout;
    while (!rd_kafka_consumer_closed(handle)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            log::warn("kafka") << "leaving group '" << group << "' did not finish within " << kLeaveGroupTimeout.count()
                               << " s (the group is rebalancing); the group drops this member when its session "
                                  "times out";
            return false;
        }
        rd_kafka_event_t* event = rd_kafka_queue_poll(closing.get(), 100);
        if (!event) continue;
        if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE)
            on_rebalance(handle, rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event), opaque);
        rd_kafka_event_destroy(event);
    }
    return true;
}

void destroy_without_leaving(Handle handle) {
    rd_kafka_t* raw = handle.release();
    if (!raw) return;
    rd_kafka_destroy_flags(raw, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    std::lock_guard lock(g_last_errors_mutex);
    g_last_errors.erase(raw);
}

std::string last_client_error(const rd_kafka_t* handle) {
    std::lock_guard lock(g_last_errors_mutex);
    auto it = g_last_errors.find(handle);
    return it == g_last_errors.end() ? std::string() : it->second;
}

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

void set_worker_properties(const Properties& properties) {
    make_conf(properties);  // librdkafka's own check of names and values, before anything uses them
    std::lock_guard lock(g_worker_properties_mutex);
    g_worker_properties = properties;
}

Properties worker_properties() {
    std::lock_guard lock(g_worker_properties_mutex);
    return g_worker_properties;
}

Conf client_conf(const Properties& defaults, const Properties& overrides, const Properties& guarantees) {
    Properties properties = defaults;
    for (const auto& layer : {worker_properties(), overrides, guarantees})
        for (const auto& [key, value] : layer) properties[key] = value;
    return make_conf(properties);
}

Handle make_handle(rd_kafka_type_t type, Conf conf) {
    char error[512];
    rd_kafka_t* handle = rd_kafka_new(type, conf.get(), error, sizeof error);
    if (!handle) throw KafkaError(std::string("cannot create Kafka client: ") + error);
    conf.release();  // owned by the handle now
    return Handle(handle);
}

void route_logs(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t* handle, int level, const char* facility, const char* message) {
        // syslog levels: 0-3 error, 4 warning, 5-6 info/notice, 7 debug
        auto ours = level <= 3 ? log::Level::error
                    : level == 4 ? log::Level::warn
                    : level <= 6 ? log::Level::info
                                 : log::Level::debug;
        log::write(ours, "kafka", std::string(facility) + ": " + message);
        if (level <= 3 && handle) {
            // A connection's failure ("FAIL": its cause) is kept over the summaries that follow it
            // ("ERROR: 1/1 brokers are down").
            std::lock_guard lock(g_last_errors_mutex);
            auto [it, first] = g_last_errors.try_emplace(handle, message);
            if (!first && std::string_view(facility) == "FAIL") it->second = message;
        }
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
