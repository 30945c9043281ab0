// librdkafka's in-process mock cluster: the zero-setup broker of `ingest run` without a bootstrap,
// and of `ingest broker`. It speaks the Kafka protocol on loopback TCP ports, lives in memory and
// keeps at most 5 MiB of record batches per partition (DESIGN.md §5).
#pragma once

#include "kafka/client.hpp"

#include <librdkafka/rdkafka_mock.h>

#include <string>

namespace ingest::kafka {

class MockCluster {
   public:
    explicit MockCluster(int brokers = 1);
    ~MockCluster();
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    const std::string& bootstrap() const { return bootstrap_; }
    void create_topic(const std::string& name, int partitions);
    // The next `count` requests of this Kafka API (by its protocol key) fail with `error`; for
    // tests of what a worker does when the cluster refuses it.
    void fail_requests(int16_t api_key, rd_kafka_resp_err_t error, size_t count);

   private:
    Handle host_;  // the mock cluster lives inside a client handle
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    std::string bootstrap_;
};

}  // namespace ingest::kafka
