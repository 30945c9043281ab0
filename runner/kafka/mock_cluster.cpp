#include "kafka/mock_cluster.hpp"

#include <vector>

namespace ingest::kafka {

MockCluster::MockCluster(int brokers) {
    // The host handle never connects anywhere; quiet its "no bootstrap.servers" notice.
    host_ = make_handle(RD_KAFKA_PRODUCER, make_conf({{"log_level", "3"}}));
    cluster_ = rd_kafka_mock_cluster_new(host_.get(), brokers);
    if (!cluster_) throw KafkaError("cannot start the embedded Kafka mock cluster");
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

MockCluster::~MockCluster() {
    if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
}

void MockCluster::create_topic(const std::string& name, int partitions) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        throw KafkaError("embedded broker cannot create topic '" + name + "': " + error_text(err));
}

void MockCluster::fail_requests(int16_t api_key, rd_kafka_resp_err_t error, size_t count) {
    std::vector<rd_kafka_resp_err_t> errors(count, error);
    rd_kafka_mock_push_request_errors_array(cluster_, api_key, errors.size(), errors.data());
}

}  // namespace ingest::kafka
