// Dead letters with headers of the plugin's own (ABI 1.4), end to end on the embedded broker: a
// fixture sink dead-letters every "bad" record with `ingest.errors.sqlstate`, and reads its
// dead-letter topic back: every dead letter carries Kafka Connect's `__connect.errors.*` headers
// first, then the plugin's; a plugin header in the runner's `__connect.` namespace is refused.
#include "worker/worker.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ingest::worker::run_worker;
using ingest::worker::WorkerOptions;

TEST(DeadLetterHeaders, APluginsOwnHeadersFollowKafkaConnectsOnEveryDeadLetter) {
    ingest::testing::TempDir dir{"ingest-dlq-headers"};
    std::filesystem::create_directories(dir / "connectors");
    WorkerOptions options;
    options.connectors_dir = dir / "connectors";
    options.state_dir = dir / "state";
    options.plugin_path = {FIXTURE_DIR};
    options.until_done = true;
    const int count = 700;  // every 7th "bad": 100 dead letters
    std::ofstream(dir / "connectors" / "counter.json") << R"({"name": "counter", "config": {
        "plugin": "fixture_counting_source", "topic": "numbers", "topic.partitions": 2,
        "count": )" << count << R"(, "bad.every": 7, "deliveries.file": ")" << (dir / "deliveries.txt").string()
                                                        << R"("}})";
    std::ofstream(dir / "connectors" / "sink.json") << R"({"name": "headers", "config": {
        "plugin": "fixture_header_dead_letter_sink", "topics": "numbers, numbers.dlq", "batch.max.ms": 100,
        "expect": )" << count << R"(, "records.file": ")" << (dir / "records.txt").string() << R"("}})";
    std::atomic<bool> stop{false};

    ASSERT_EQ(run_worker(options, stop), 0);

    int dead_letters = 0, plain = 0, refused = 0;
    std::set<std::string> dead_lettered_keys;
    for (const std::string& line : ingest::testing::read_lines(dir / "records.txt")) {
        if (line.starts_with("refused ")) {
            ++refused;
            EXPECT_NE(line.find("dead-letter header '__connect.errors.topic' is reserved"), std::string::npos)
                << line;
            continue;
        }
        ASSERT_FALSE(line.starts_with("accepted ")) << "a plugin header in the __connect. namespace was sent";
        if (!line.starts_with("dlq ")) {
            ++plain;
            continue;
        }
        ++dead_letters;
        std::istringstream fields(line.substr(4));
        std::string key, field;
        std::getline(fields, key, '|');
        dead_lettered_keys.insert(key);
        std::vector<std::string> headers;
        while (std::getline(fields, field, '|')) headers.push_back(field.substr(0, field.find('=')));
        // Kafka Connect's headers as the runner writes them, then the plugin's, nothing else.
        const std::vector<std::string> expected = {
            "__connect.errors.topic",     "__connect.errors.partition",         "__connect.errors.offset",
            "__connect.errors.connector.name", "__connect.errors.exception.message", "ingest.errors.sqlstate"};
        EXPECT_EQ(headers, expected) << line;
        EXPECT_NE(line.find("|__connect.errors.topic=numbers|"), std::string::npos) << line;
        EXPECT_NE(line.find("|__connect.errors.connector.name=headers|"), std::string::npos) << line;
        EXPECT_NE(line.find("|__connect.errors.exception.message=value is bad|"), std::string::npos) << line;
        EXPECT_TRUE(line.ends_with("|ingest.errors.sqlstate=23514")) << line;
    }
    EXPECT_EQ(dead_letters, count / 7);
    EXPECT_EQ(dead_lettered_keys.size(), static_cast<size_t>(count / 7)) << "each dead letter once";
    EXPECT_EQ(plain, count - count / 7);
    EXPECT_EQ(refused, 1) << "the first bad record tried a reserved header";
}

}  // namespace
