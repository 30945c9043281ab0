#include "kafka/admin.hpp"

#include "log/logging.hpp"

namespace ingest::kafka {

int partition_count(rd_kafka_t* handle, const std::string& topic, int timeout_ms) {
    rd_kafka_topic_t* topic_handle = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(handle, 0, topic_handle, &metadata, timeout_ms);
    rd_kafka_topic_destroy(topic_handle);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw KafkaError("cannot read metadata of topic '" + topic + "': " + error_text(err));
    int count = -1;
    if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        count = metadata->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(metadata);
    return count;
}

void ensure_topics(const std::string& bootstrap, const std::vector<TopicSpec>& topics, int timeout_ms) {
    if (topics.empty()) return;
    // A producer handle is the cheapest client that can run admin requests.
    Handle admin = make_handle(RD_KAFKA_PRODUCER, make_conf({{"bootstrap.servers", bootstrap}}));

    std::vector<rd_kafka_NewTopic_t*> requests;
    for (const auto& topic : topics) {
        if (partition_count(admin.get(), topic.name, timeout_ms) > 0) continue;
        char error[512];
        rd_kafka_NewTopic_t* request =
            rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions, 1, error, sizeof error);
        if (!request) throw KafkaError("topic '" + topic.name + "': " + error);
        requests.push_back(request);
    }
    if (requests.empty()) return;

    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(admin.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
    char error[512];
    rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, error, sizeof error);
    rd_kafka_CreateTopics(admin.get(), requests.data(), requests.size(), options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, timeout_ms + 5000);

    std::string failure;
    if (!event) {
        failure = "no answer from the broker within " + std::to_string(timeout_ms) + " ms";
    } else if (rd_kafka_event_error(event)) {
        failure = rd_kafka_event_error_string(event);
    } else {
        size_t count = 0;
        const rd_kafka_topic_result_t** results =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
        for (size_t i = 0; i < count; ++i) {
            rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
            std::string name = rd_kafka_topic_result_name(results[i]);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                log::info("kafka") << "created topic '" << name << "'";
            else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                failure += (failure.empty() ? "" : "; ") + name + ": " + error_text(err);
        }
    }
    if (event) rd_kafka_event_destroy(event);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
    rd_kafka_queue_destroy(queue);
    if (!failure.empty()) throw KafkaError("cannot create topics at " + bootstrap + ": " + failure);
}

}  // namespace ingest::kafka
