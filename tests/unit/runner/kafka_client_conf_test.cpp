// A worker client's configuration in layers: the runner's defaults < the worker's properties
// (`ingest run --kafka-property`) < a connector's overrides < the runner's guarantees.
#include "kafka/client.hpp"

#include <gtest/gtest.h>

namespace {

using namespace ingest::kafka;

std::string get(rd_kafka_conf_t* conf, const char* name) {
    char value[512];
    size_t size = sizeof value;
    if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return "<unknown>";
    return value;
}

// The worker's properties are process-wide: each test leaves none behind.
class ClientConf : public ::testing::Test {
   protected:
    void TearDown() override { set_worker_properties({}); }
};

TEST_F(ClientConf, EachLayerReplacesTheOneBelowAndTheGuaranteesWin) {
    set_worker_properties({{"client.id", "worker"}, {"linger.ms", "20"}, {"socket.timeout.ms", "7000"}});
    Conf conf = client_conf({{"linger.ms", "5"}, {"batch.num.messages", "10000"}},
                            {{"socket.timeout.ms", "9000"}, {"enable.idempotence", "false"}},
                            {{"enable.idempotence", "true"}, {"bootstrap.servers", "127.0.0.1:1"}});
    EXPECT_EQ(get(conf.get(), "batch.num.messages"), "10000");  // the runner's default
    EXPECT_EQ(get(conf.get(), "linger.ms"), "20");              // the worker's over the default
    EXPECT_EQ(get(conf.get(), "client.id"), "worker");
    EXPECT_EQ(get(conf.get(), "socket.timeout.ms"), "9000");    // the connector's over the worker's
    EXPECT_EQ(get(conf.get(), "enable.idempotence"), "true");   // the guarantee over everything
    EXPECT_EQ(get(conf.get(), "bootstrap.servers"), "127.0.0.1:1");
}

TEST_F(ClientConf, WorkerPropertiesAreCheckedByLibrdkafkaWhenSet) {
    set_worker_properties({{"client.id", "kept"}});
    try {
        set_worker_properties({{"security.protocol", "carrier-pigeon"}});
        FAIL() << "accepted";
    } catch (const KafkaError& error) {
        EXPECT_NE(std::string(error.what()).find("Kafka client property 'security.protocol'"), std::string::npos)
            << error.what();
    }
    EXPECT_THROW(set_worker_properties({{"no.such.property", "1"}}), KafkaError);
    EXPECT_EQ(worker_properties(), (Properties{{"client.id", "kept"}}));  // a refused set changes nothing
}

TEST_F(ClientConf, ARawConfHasNoWorkerProperties) {
    // make_conf is for clients that are not the worker's own (the embedded mock cluster's handle).
    set_worker_properties({{"client.id", "worker"}});
    Conf conf = make_conf({{"log_level", "3"}});
    EXPECT_NE(get(conf.get(), "client.id"), "worker");
}

}  // namespace
