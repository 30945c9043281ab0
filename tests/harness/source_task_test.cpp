// SourceTask: what a source emits, the broker's answers (deliveries, refusals, lost reports),
// partitions and offsets, and run_to_end with its deadline.
#include <ingest/harness.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using ingest::harness::Emitted;
using ingest::harness::Header;
using ingest::harness::kTopic;
using ingest::harness::Plugin;
using ingest::harness::SourceTask;
using ingest::testing::read_lines;
using ingest::testing::TempDir;

using Lines = std::vector<std::string>;

class HarnessSource : public ::testing::Test {
   protected:
    TempDir dir{"ingest-harness"};
    const std::string deliveries = dir.file("deliveries.txt");
};

TEST_F(HarnessSource, EmittedRecordsAreCapturedAndDeliveriesReachThePlugin) {
    // One partition, as the runner would create the topic (the default is topic.partitions=6).
    SourceTask task(Plugin::load(COUNTING_SOURCE), {{"count", "5"},
                                                    {"tombstone.every", "2"},
                                                    {"deliveries.file", deliveries},
                                                    {"topic.partitions", "1"}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.poll().end());
    ASSERT_EQ(task.emitted().size(), 5u);
    for (size_t i = 0; i < 5; ++i) {
        const Emitted& record = task.emitted()[i];
        const std::string n = std::to_string(i);
        EXPECT_EQ(record.topic, kTopic);
        EXPECT_EQ(record.partition, INGEST_PARTITION_ANY);
        EXPECT_EQ(record.key, "k" + n);
        if (i % 2 == 1)
            EXPECT_EQ(record.value, std::nullopt) << "every second record is a tombstone";
        else
            EXPECT_EQ(record.value, "{\"n\":" + n + ",\"pad\":\"\"}");
        EXPECT_EQ(record.correlation, i);
        EXPECT_EQ(record.state, Emitted::State::pending);
    }
    task.deliver_all();
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(task.emitted()[i].state, Emitted::State::delivered);
        EXPECT_EQ(task.emitted()[i].partition, 0) << "the topic has one partition";
        EXPECT_EQ(task.emitted()[i].offset, static_cast<int64_t>(i));
    }
    ASSERT_TRUE(task.commit().ok());
    EXPECT_EQ(read_lines(deliveries), (Lines{"0 0 0 ok", "1 0 1 ok", "2 0 2 ok", "3 0 3 ok", "4 0 4 ok"}));
}

TEST_F(HarnessSource, RefusedRecordsReachThePluginAsFailed) {
    SourceTask task(Plugin::load(COUNTING_SOURCE), {{"count", "2"}, {"deliveries.file", deliveries}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.poll().end());
    task.fail_all("Broker: Message size too large");
    EXPECT_EQ(task.emitted()[0].state, Emitted::State::failed);
    EXPECT_EQ(task.emitted()[1].state, Emitted::State::failed);
    ASSERT_TRUE(task.commit().ok());
    EXPECT_EQ(read_lines(deliveries), (Lines{"0 -1 -1 failed", "1 -1 -1 failed"}));
}

TEST_F(HarnessSource, RecordsWithoutAPartitionAreSpreadByKey) {
    SourceTask task(Plugin::load(COUNTING_SOURCE), {{"count", "200"}, {"deliveries.file", deliveries}});
    task.host().set_partition_count(kTopic, 4);
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.run_to_end().ok());
    std::map<int32_t, int64_t> next;
    Lines expected;
    for (const Emitted& record : task.emitted()) {
        ASSERT_GE(record.partition, 0);
        ASSERT_LT(record.partition, 4);
        EXPECT_EQ(record.offset, next[record.partition]++) << "each partition's next offset";
        expected.push_back(std::to_string(record.correlation) + " " + std::to_string(record.partition) + " " +
                           std::to_string(record.offset) + " ok");
    }
    EXPECT_EQ(next.size(), 4u) << "200 keys land on every partition";
    EXPECT_EQ(read_lines(deliveries), expected);
}

TEST_F(HarnessSource, RunToEndPollsDeliversAndCommits) {
    SourceTask task(Plugin::load(COUNTING_SOURCE), {{"count", "2500"}, {"deliveries.file", deliveries}});
    ASSERT_TRUE(task.start().ok());
    const auto status = task.run_to_end();
    EXPECT_TRUE(status.ok()) << status;
    ASSERT_EQ(task.emitted().size(), 2500u);
    for (const Emitted& record : task.emitted()) ASSERT_EQ(record.state, Emitted::State::delivered);
    EXPECT_EQ(read_lines(deliveries).size(), 2500u) << "committed: the source flushed its file";
}

TEST_F(HarnessSource, RunToEndHasADeadline) {
    SourceTask task(Plugin::load(PACED_SOURCE), {{"rate", "20"}, {"count", "0"}});  // never ends
    ASSERT_TRUE(task.start().ok());
    const auto status = task.run_to_end(std::chrono::milliseconds(300));
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_EQ(status.message, "the source did not end within 300 ms");
    EXPECT_FALSE(task.emitted().empty());
    for (const Emitted& record : task.emitted()) EXPECT_EQ(record.state, Emitted::State::delivered);
}

TEST_F(HarnessSource, ASourcePlacesItsRecordsItselfWithHeaders) {
    SourceTask task(Plugin::load(PLACING_SOURCE), {{"count", "6"}});
    task.host().set_partition_count(kTopic, 3);
    task.host().set_watermarks({kTopic, 1}, 0, 40);  // partition 1 already holds 40 records
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.poll().end());
    ASSERT_EQ(task.emitted().size(), 6u);
    for (int n = 0; n < 6; ++n) {
        EXPECT_EQ(task.emitted()[n].topic, kTopic);
        EXPECT_EQ(task.emitted()[n].partition, n % 3);
        EXPECT_EQ(task.emitted()[n].headers, (std::vector<Header>{{"n", std::to_string(n)}}));
    }
    task.deliver_all();
    std::vector<int64_t> offsets;
    for (const Emitted& record : task.emitted()) offsets.push_back(record.offset);
    EXPECT_EQ(offsets, (std::vector<int64_t>{0, 40, 0, 1, 41, 1}));
    EXPECT_TRUE(task.host().logged("delivered 4 1 41"));
}

TEST_F(HarnessSource, TheConnectorsTopicHasThePartitionsTheRunnerWouldCreateItWith) {
    for (const auto& [config, partitions] : std::vector<std::pair<ingest::harness::Config, int>>{
             {{{"count", "8"}}, 6},  // topic.partitions' default
             {{{"count", "8"}, {"topic.partitions", "2"}}, 2},
             {{{"count", "8"}, {"topic.partitions", "2"}, {"topic.creation.default.partitions", "4"}}, 4}}) {
        SourceTask task(Plugin::load(PLACING_SOURCE), config);
        ASSERT_TRUE(task.start().ok());
        ASSERT_TRUE(task.poll().end());
        ASSERT_EQ(task.emitted().size(), 8u);
        for (int n = 0; n < 8; ++n) EXPECT_EQ(task.emitted()[n].partition, n % partitions) << "record " << n;
    }
}

TEST_F(HarnessSource, TheConnectorsTopicIsTheOneGivenInTheConfig) {
    SourceTask task(Plugin::load(PLACING_SOURCE), {{"count", "2"}, {"topic", "clicks"}});
    task.host().set_partition_count("clicks", 2);
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.poll().end());
    ASSERT_EQ(task.emitted().size(), 2u);
    EXPECT_EQ(task.emitted()[1].topic, "clicks");
    EXPECT_EQ(task.emitted()[1].partition, 1) << "the partition count of the connector's topic";

    SourceTask other(Plugin::load(PLACING_SOURCE), {{"count", "2"}, {"topic", "clicks"}, {"records.topic", "views"}});
    other.host().set_partition_count("clicks", 2);
    ASSERT_TRUE(other.start().ok());
    ASSERT_TRUE(other.poll().end());
    EXPECT_EQ(other.emitted()[1].topic, "views");
    EXPECT_EQ(other.emitted()[1].partition, 0) << "views has one partition";
}

TEST_F(HarnessSource, SomeRecordsCanBeDeliveredFailedOrTheirReportsLost) {
    SourceTask task(Plugin::load(PLACING_SOURCE), {{"count", "4"}, {"topic.partitions", "1"}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.poll().end());
    std::vector<uint64_t> seen;
    task.deliver([&](const Emitted& record) {
        seen.push_back(record.correlation);
        return record.correlation % 2 == 0;
    });
    EXPECT_EQ(seen, (std::vector<uint64_t>{0, 1, 2, 3})) << "oldest first";
    EXPECT_TRUE(task.host().logged("delivered 0 0 0"));
    EXPECT_TRUE(task.host().logged("delivered 2 0 1"));
    EXPECT_EQ(task.emitted()[1].state, Emitted::State::pending);

    task.fail([](const Emitted& record) { return record.correlation == 1; }, "Broker: Message size too large");
    EXPECT_TRUE(task.host().logged("failed 1: Broker: Message size too large"));
    EXPECT_EQ(task.emitted()[3].state, Emitted::State::pending);

    // The broker stores record 3, but the worker dies before its report arrives.
    task.host().drop_delivery_reports();
    task.deliver_all();
    EXPECT_EQ(task.emitted()[3].state, Emitted::State::delivered);
    EXPECT_EQ(task.emitted()[3].offset, 2);
    EXPECT_FALSE(task.host().logged("delivered 3"));

    // A report no broker would send reaches the plugin as given.
    EXPECT_TRUE(task.report_delivery(99, 5, 7).ok());
    EXPECT_TRUE(task.host().logged("delivered 99 5 7"));
    EXPECT_TRUE(task.report_delivery(3, -1, -1, "late").ok());
    EXPECT_TRUE(task.host().logged("failed 3: late"));
}

}  // namespace
