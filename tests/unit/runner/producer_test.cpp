// kafka::Producer never confirms a record without its offset. librdkafka's idempotent producer
// reports a batch as delivered without one (-1001) when it fails with a retriable error while the
// next batch of its partition is in flight, and that next batch is stored: the broker accepts it
// on a partition without state for this producer (a new topic), and librdkafka then acknowledges
// the failed batch implicitly although it was never stored. That is what the first records sent to
// a brand-new topic met (NOT_LEADER_FOR_PARTITION while the leader took the partition on). Here
// librdkafka's mock cluster refuses one ProduceRequest while slow answers keep several in flight.
#include "kafka/producer.hpp"

#include <librdkafka/rdkafka_mock.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

namespace ingest::kafka {
namespace {

using namespace std::chrono_literals;

class ImplicitAck : public ::testing::Test {
   protected:
    void SetUp() override {
        Conf conf = make_conf({{"test.mock.num.brokers", "1"}});
        host_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
        cluster_ = rd_kafka_handle_mock_cluster(host_.get());
        ASSERT_NE(cluster_, nullptr);
        ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, "t", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    }

    Handle host_;
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

TEST_F(ImplicitAck, ARecordConfirmedWithoutAnOffsetIsSentAgainAndConfirmedWhereItIs) {
    std::map<uint64_t, Delivery> reports;
    int duplicate_reports = 0;
    Producer producer(rd_kafka_mock_cluster_bootstraps(cluster_), {},
                      [&](const Delivery& d) { duplicate_reports += !reports.emplace(d.correlation, d).second; });
    const auto send = [&](uint64_t correlation) {
        const std::string value = "record-" + std::to_string(correlation);
        ASSERT_TRUE(producer.produce("t", 0, {nullptr, 0}, {value.data(), value.size()}, nullptr, 0, correlation));
    };
    // The producer id and the partition's leader are known before the refusal is armed.
    send(0);
    producer.flush(10s);
    ASSERT_EQ(producer.in_flight(), 0);

    rd_kafka_mock_broker_set_rtt(cluster_, 1, 100);  // answers after 100 ms: requests pile up
    rd_kafka_mock_push_request_errors(cluster_, 0 /* Produce */, 1, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    constexpr uint64_t kRecords = 60;
    for (uint64_t correlation = 1; correlation <= kRecords; ++correlation) {
        send(correlation);
        producer.poll(10);  // 10 ms apart: linger.ms (5) closes a batch for nearly every record
    }
    producer.flush(30s);
    ASSERT_EQ(producer.in_flight(), 0);

    ASSERT_EQ(reports.size(), kRecords + 1);
    EXPECT_EQ(duplicate_reports, 0) << "one report per record";
    std::map<int64_t, uint64_t> at_offset;
    for (const auto& [correlation, report] : reports) {
        EXPECT_TRUE(report.ok()) << correlation << ": " << report.error;
        EXPECT_GE(report.offset, 0) << "record " << correlation << " confirmed without an offset";
        EXPECT_TRUE(at_offset.emplace(report.offset, correlation).second) << "two records at " << report.offset;
    }
    // Every confirmed offset holds a record: none was confirmed that the partition does not hold.
    const auto [low, high] = producer.watermarks("t", 0);
    EXPECT_EQ(low, 0);
    EXPECT_GE(high, static_cast<int64_t>(kRecords + 1));
    EXPECT_LT(at_offset.rbegin()->first, high);
}

}  // namespace
}  // namespace ingest::kafka
