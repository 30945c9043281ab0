// Where the simulator places records: Kafka's murmur2 of the event's first user_id, so every record
// of one user and of one event lands in one partition.
#include "case_rates.hpp"
#include "generator.hpp"
#include "partitioning.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <string>

namespace ingest::plugins::source_event_simulator {
namespace {

using testing::with_rates;

// Kafka's own vectors (UtilsTest.testMurmur2 in Apache Kafka's clients).
TEST(Partitioning, Murmur2IsKafkas) {
    EXPECT_EQ(kafka_murmur2("21"), -973932308);
    EXPECT_EQ(kafka_murmur2("foobar"), -790332482);
    EXPECT_EQ(kafka_murmur2("a-little-bit-long-string"), -985981536);
    EXPECT_EQ(kafka_murmur2("a-little-bit-longer-string"), -1486304829);
    EXPECT_EQ(kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
    EXPECT_EQ(kafka_murmur2("abc"), 479470107);
}

// What librdkafka's murmur2 partitioner (rd_kafka_msg_partitioner_murmur2, the same as the Java
// producer's default) answers for these keys with 6, 7 and 1024 partitions.
TEST(Partitioning, UserPartitionIsWhereKafkasPartitionerPutsTheUserId) {
    struct Case {
        const char* user_id;
        int32_t p6, p7, p1024;
    };
    for (const Case& c : {Case{"21", 0, 3, 236}, Case{"foobar", 0, 0, 958}, Case{"abc", 3, 4, 539},
                          Case{"user-1", 2, 3, 716}, Case{"user-6972", 3, 4, 255}, Case{"user-10000", 0, 3, 576}}) {
        EXPECT_EQ(user_partition(c.user_id, 6), c.p6) << c.user_id;
        EXPECT_EQ(user_partition(c.user_id, 7), c.p7) << c.user_id;
        EXPECT_EQ(user_partition(c.user_id, 1024), c.p1024) << c.user_id;
    }
    EXPECT_EQ(user_partition(uint32_t{6972}, 6), user_partition("user-6972", 6));
    EXPECT_EQ(user_partition(uint32_t{10000}, 1024), 576);
}

// One event type: corrections change the user_id (change_fields), yet every record of the event
// keeps the partition of the user of its first record.
TEST(Partitioning, EveryRecordOfAnEventHasItsFirstUsersPartition) {
    SimulatorConfig config = with_rates(default_config(), {0.05, 0.1, 0.3, 0.05, 0.05, 0.02});
    config.event_types = "page_view:1";
    config.events = 0;
    Generator generator(config);
    std::map<std::string, uint32_t> first_user;  // key -> user of its first record
    int corrections_with_another_user = 0;
    for (int i = 0; i < 20000; ++i) {
        const GeneratedRecord& record = generator.next();
        if (record.intent == Intent::Malformed) continue;
        const std::string key(record.key);
        auto [known, fresh] = first_user.try_emplace(key, record.first_user);
        EXPECT_EQ(known->second, record.first_user) << key;
        if (!record.value) continue;
        const auto value = boost::json::parse(*record.value).as_object();
        const std::string user(value.at("user_id").as_string());
        if (fresh)
            EXPECT_EQ(user, "user-" + std::to_string(record.first_user)) << key;
        else if (user != "user-" + std::to_string(record.first_user))
            ++corrections_with_another_user;
    }
    EXPECT_GT(corrections_with_another_user, 100);  // the case this test is about happened
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
