// sink_jsonl's tests, as any plugin's can be: the built .so driven through the SDK's test harness
// (no Kafka, no runner process), and the whole conformance suite in one line.
#include <ingest/harness_gtest.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace ingest::harness;

INGEST_CONFORMANCE_TESTS(SINK_JSONL_PLUGIN, R"({"path": "${env:INGEST_CONFORMANCE_DIR}/out.jsonl"})");

class SinkJsonl : public ::testing::Test {
   protected:
    void SetUp() override {
        char pattern[] = "/tmp/sink-jsonl-test-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::vector<std::string> lines() const {
        std::ifstream in(dir_ / "out.jsonl");
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }

    Plugin plugin_ = Plugin::load(SINK_JSONL_PLUGIN);
    fs::path dir_;
};

TEST_F(SinkJsonl, WritesOneLinePerRecordWithTombstonesAndHeaders) {
    SinkTask task(plugin_, {{"path", (dir_ / "out.jsonl").string()}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}, {kTopic, 1}}).ok());
    Record with_header = record("k2", "v2", 1);
    with_header.headers = {{"trace", "abc"}};
    ASSERT_TRUE(task.put({record("k1", "v1"), with_header, tombstone("k1")}).ok());
    ASSERT_TRUE(task.pre_commit().ok());
    ASSERT_TRUE(task.stop().ok());

    auto written = lines();
    ASSERT_EQ(written.size(), 3u);
    EXPECT_NE(written[0].find(R"("partition":0,"offset":0)"), std::string::npos) << written[0];
    EXPECT_NE(written[1].find(R"("partition":1,"offset":0)"), std::string::npos) << written[1];
    EXPECT_NE(written[1].find(R"({"key":"trace","value":"abc"})"), std::string::npos) << written[1];
    EXPECT_NE(written[2].find(R"("value":null)"), std::string::npos) << written[2];
    EXPECT_EQ(task.host().metric("lines_written"), 3);
}

TEST_F(SinkJsonl, DeadLettersRecordsThatAreNotUtf8AndWritesTheRest) {
    SinkTask task(plugin_, {{"path", (dir_ / "out.jsonl").string()}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    ASSERT_TRUE(task.put({record("good", "text"), record("bad", "\xff\xfe")}).ok());

    ASSERT_EQ(task.host().dead_letters().size(), 1u);
    const DeadLetter& letter = task.host().dead_letters()[0];
    EXPECT_EQ(letter.record.key, "bad");
    EXPECT_EQ(letter.record.offset, 1);
    EXPECT_NE(letter.reason.find("UTF-8"), std::string::npos) << letter.reason;
    EXPECT_TRUE(letter.confirmed);
    EXPECT_EQ(lines().size(), 1u);
    EXPECT_EQ(task.host().metric("dead_letters"), 1);
}

TEST_F(SinkJsonl, ABatchWhoseDeadLettersCannotBeConfirmedIsRetried) {
    SinkTask task(plugin_, {{"path", (dir_ / "out.jsonl").string()}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    task.host().fail_dead_letter_flush();
    EXPECT_TRUE(task.put({record("bad", "\xff")}).retriable());
    EXPECT_FALSE(task.pre_commit().ok()) << "offsets must not be committed past an unconfirmed dead letter";
}

TEST_F(SinkJsonl, RefusesEveryBadKeyAtOnce) {
    auto problems = plugin_.check_config({{"path", (dir_ / "missing" / "out.jsonl").string()}, {"fsync", "maybe"}});
    std::vector<std::string> keys;
    for (const auto& problem : problems) keys.push_back(problem.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"fsync"})) << "a broken key first; rules over keys run after";
    problems = plugin_.check_config({{"path", (dir_ / "missing" / "out.jsonl").string()}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].message.find("does not exist"), std::string::npos) << problems[0].message;
}

TEST_F(SinkJsonl, RefusesToRunAsSeveralTasks) {
    SinkTask task(plugin_, {{"path", (dir_ / "out.jsonl").string()}}, {.task_count = 2});
    Status started = task.start();
    EXPECT_TRUE(started.fatal());
    EXPECT_NE(started.message.find("tasks.max=1"), std::string::npos) << started;
}

}  // namespace
