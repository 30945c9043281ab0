// SinkTask: batches as a consumer hands them over, dead letters, failures injected into the host,
// offsets a sink stores itself, metrics, verdicts and exceptions that escape a plugin.
#include <ingest/harness.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using ingest::harness::Config;
using ingest::harness::Header;
using ingest::harness::kTopic;
using ingest::harness::Offsets;
using ingest::harness::Plugin;
using ingest::harness::Record;
using ingest::harness::record;
using ingest::harness::SinkTask;
using ingest::harness::tombstone;
using ingest::testing::read_lines;
using ingest::testing::TempDir;

using Lines = std::vector<std::string>;

class HarnessSink : public ::testing::Test {
   protected:
    TempDir dir{"ingest-harness"};
    const std::string records = dir.file("records.txt");
};

TEST_F(HarnessSink, PutsBatchesWithTombstonesAndPartitionsAtTheirOffsets) {
    SinkTask task(Plugin::load(RECORDING_SINK), {{"records.file", records}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}, {kTopic, 1}}).ok());
    ASSERT_TRUE(task.put({record("a", "1"), tombstone("b"), record("c", "2", 1), record("d", "3")}).ok());
    Record explicit_offset = record("e", "4", 1);
    explicit_offset.offset = 10;
    ASSERT_TRUE(task.put({record("f", "5"), explicit_offset, record("g", "6", 1)}).ok());
    EXPECT_EQ(read_lines(records), (Lines{"test-topic 0 0 a 1", "test-topic 0 1 b <tombstone>",
                                          "test-topic 1 0 c 2", "test-topic 0 2 d 3", "test-topic 0 3 f 5",
                                          "test-topic 1 10 e 4", "test-topic 1 11 g 6"}));
    Offsets committed;
    ASSERT_TRUE(task.pre_commit(&committed).ok());
    EXPECT_EQ(committed, (Offsets{{{kTopic, 0}, 4}, {{kTopic, 1}, 12}}));
    EXPECT_FALSE(task.owns_offsets());
    EXPECT_TRUE(task.close().ok());
    EXPECT_TRUE(task.stop().ok());
    EXPECT_FALSE(task.host().exception_escaped());
}

TEST_F(HarnessSink, RecordsReachThePluginWithTheirHeaders) {
    SinkTask task(Plugin::load(HEADER_DEAD_LETTER_SINK), {{"records.file", records}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    // The sink writes the headers of records that came back from a dead-letter topic.
    Record back = record("k", "v");
    back.headers = {{"__connect.errors.topic", "elsewhere"}, {"x", "y"}, {"empty", ""}};
    ASSERT_TRUE(task.put({back}).ok());
    EXPECT_EQ(read_lines(records), (Lines{"dlq k|__connect.errors.topic=elsewhere|x=y|empty="}));
}

TEST_F(HarnessSink, DeadLettersAreRecordedWithTheirHeadersAndConfirmedAfterAnOkPut) {
    SinkTask task(Plugin::load(HEADER_DEAD_LETTER_SINK), {{"records.file", records}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    ASSERT_TRUE(task.put({record("a", "good"), record("b", "bad"), record("c", "good")}).ok());

    ASSERT_EQ(task.host().dead_letters().size(), 1u);
    const auto& letter = task.host().dead_letters()[0];
    EXPECT_EQ(letter.record.topic, kTopic);
    EXPECT_EQ(letter.record.partition, 0);
    EXPECT_EQ(letter.record.offset, 1);
    EXPECT_EQ(letter.record.key, "b");
    EXPECT_EQ(letter.record.value, "bad");
    EXPECT_EQ(letter.reason, "value is bad");
    EXPECT_EQ(letter.headers, (std::vector<Header>{{"ingest.errors.sqlstate", "23514"}}));
    EXPECT_TRUE(letter.confirmed) << "the host flushes a batch's dead letters after an OK put";
    EXPECT_EQ(task.host().dead_letter_flushes(), 0u) << "this sink never flushes itself";

    // Its first attempt used a header of the runner's own namespace: refused, as the runner does.
    const Lines lines = read_lines(records);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "test-topic 0 0");
    EXPECT_EQ(lines[1].rfind("refused 1 ", 0), 0u) << lines[1];
    EXPECT_NE(lines[1].find("__connect."), std::string::npos) << lines[1];
    EXPECT_EQ(lines[2], "test-topic 0 2");
}

TEST_F(HarnessSink, ARefusedDeadLetterMakesThePutRetriableAndTheOffsetsStay) {
    SinkTask task(Plugin::load(RECORDING_SINK), {{"records.file", records}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    ASSERT_TRUE(task.put({record("a", "1")}).ok());

    task.host().refuse_dead_letters();
    const auto refused = task.put({record("b", "bad")});
    EXPECT_TRUE(refused.retriable()) << refused;
    EXPECT_NE(refused.message.find("cannot be written"), std::string::npos) << refused;
    EXPECT_EQ(task.host().dead_letters_refused(), 1u);
    EXPECT_TRUE(task.host().dead_letters().empty());
    Offsets committed;
    ASSERT_TRUE(task.pre_commit(&committed).ok());
    EXPECT_EQ(committed, (Offsets{{{kTopic, 0}, 1}})) << "nothing of the failed batch";

    // The same batch again gets the same offsets.
    task.host().refuse_dead_letters(false);
    ASSERT_TRUE(task.put({record("b", "bad")}).ok());
    ASSERT_EQ(task.host().dead_letters().size(), 1u);
    EXPECT_EQ(task.host().dead_letters()[0].record.offset, 1);
    ASSERT_TRUE(task.pre_commit(&committed).ok());
    EXPECT_EQ(committed, (Offsets{{{kTopic, 0}, 2}}));
}

TEST_F(HarnessSink, AFailedDeadLetterFlushMakesThePutRetriableAndLeavesThemUnconfirmed) {
    SinkTask task(Plugin::load(RECORDING_SINK), {{"records.file", records}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());

    task.host().fail_dead_letter_flush();
    const auto failed = task.put({record("a", "1"), record("b", "bad")});
    EXPECT_TRUE(failed.retriable()) << failed;
    ASSERT_EQ(task.host().dead_letters().size(), 1u);
    EXPECT_FALSE(task.host().dead_letters()[0].confirmed);
    Offsets committed;
    ASSERT_TRUE(task.pre_commit(&committed).ok());
    EXPECT_EQ(committed, (Offsets{{{kTopic, 0}, 0}}));

    task.host().fail_dead_letter_flush(false);
    ASSERT_TRUE(task.put({record("a", "1"), record("b", "bad")}).ok());
    ASSERT_EQ(task.host().dead_letters().size(), 2u) << "at least once: the retried batch dead-letters again";
    EXPECT_EQ(task.host().dead_letters()[1].record.offset, 1);
    EXPECT_TRUE(task.host().dead_letters()[0].confirmed);
    EXPECT_TRUE(task.host().dead_letters()[1].confirmed);
    ASSERT_TRUE(task.pre_commit(&committed).ok());
    EXPECT_EQ(committed, (Offsets{{{kTopic, 0}, 2}}));
}

TEST_F(HarnessSink, ARetriablePutLeavesTheNextOffsetsWhereTheyWere) {
    const std::string down = dir.file("down"), attempts = dir.file("attempts");
    SinkTask task(Plugin::load(FLAKY_SINK),
                  {{"records.file", records}, {"down.while.file", down}, {"attempts.file", attempts}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    std::ofstream(down).put('x');
    const auto failed = task.put({record("a", "1"), record("b", "2")});
    EXPECT_TRUE(failed.retriable()) << failed;
    EXPECT_NE(failed.message.find("the database is down"), std::string::npos) << failed;
    std::filesystem::remove(down);
    ASSERT_TRUE(task.put({record("a", "1"), record("b", "2")}).ok());
    EXPECT_EQ(read_lines(records), (Lines{"test-topic 0 0", "test-topic 0 1"}));
    EXPECT_EQ(read_lines(attempts), Lines{"2"});
}

TEST_F(HarnessSink, RestartAndOpenReturnTheOffsetsTheSinkStored) {
    SinkTask task(Plugin::load(OFFSET_OWNING_SINK), {{"records.file", records}, {"offsets.file", dir.file("offsets")}});
    EXPECT_TRUE(task.owns_offsets());
    ASSERT_TRUE(task.start().ok());
    Offsets stored;
    ASSERT_TRUE(task.open({{kTopic, 0}, {kTopic, 1}}, &stored).ok());
    EXPECT_EQ(stored, (Offsets{{{kTopic, 0}, INGEST_OFFSET_NONE}, {{kTopic, 1}, INGEST_OFFSET_NONE}}));
    ASSERT_TRUE(task.put({record("a", "1"), record("b", "2"), record("c", "3", 1)}).ok());

    ASSERT_TRUE(task.restart().ok());
    stored.clear();
    ASSERT_TRUE(task.open({{kTopic, 0}, {kTopic, 1}, {kTopic, 2}}, &stored).ok());
    EXPECT_EQ(stored, (Offsets{{{kTopic, 0}, 2}, {{kTopic, 1}, 1}, {{kTopic, 2}, INGEST_OFFSET_NONE}}));
    // The consumer resumes there.
    ASSERT_TRUE(task.put({record("d", "4")}).ok());
    EXPECT_EQ(read_lines(records), (Lines{"0 0", "0 1", "1 0", "0 2"}));
    EXPECT_EQ(task.stored_offsets(), (Offsets{{{kTopic, 0}, 3}, {{kTopic, 1}, 1}, {{kTopic, 2}, INGEST_OFFSET_NONE}}));
}

TEST_F(HarnessSink, ListsAndAltersTheOffsetsASinkStores) {
    SinkTask task(Plugin::load(OFFSET_OWNING_SINK), {{"records.file", records}, {"offsets.file", dir.file("offsets")}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    ASSERT_TRUE(task.put({record("a", "1")}).ok());
    Offsets listed;
    ASSERT_TRUE(task.list_offsets(listed).ok());
    EXPECT_EQ(listed, (Offsets{{{kTopic, 0}, 1}}));
    ASSERT_TRUE(task.alter_offsets({{{kTopic, 0}, 7}, {{kTopic, 3}, 2}}).ok());
    listed.clear();
    ASSERT_TRUE(task.list_offsets(listed).ok());
    EXPECT_EQ(listed, (Offsets{{{kTopic, 0}, 7}, {{kTopic, 3}, 2}}));

    SinkTask plain(Plugin::load(RECORDING_SINK), {{"records.file", records}});
    EXPECT_TRUE(plain.list_offsets(listed).fatal()) << "a sink that stores no offsets lists none";
}

TEST_F(HarnessSink, MetricReadsADeclaredMetricAndThrowsForAnUndeclaredOne) {
    SinkTask task(Plugin::load(RECORDING_SINK), {{"records.file", records}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    EXPECT_EQ(task.host().metric("records_seen"), 0);
    ASSERT_TRUE(task.put({record("a", "1"), record("b", "2"), record("c", "bad")}).ok());
    ASSERT_TRUE(task.put({record("d", "3")}).ok());
    EXPECT_EQ(task.host().metric("records_seen"), 3) << "a counter: the dead-lettered one is not counted";
    EXPECT_EQ(task.host().metric("last_batch_size"), 1) << "a gauge";
    EXPECT_THROW(task.host().metric("records_seen_total"), std::out_of_range);
    EXPECT_THROW(task.host().metric("no_such_metric"), std::out_of_range);
}

TEST_F(HarnessSink, AVerdictAndTheLogAreRecorded) {
    SinkTask task(Plugin::load(RECORDING_SINK), {{"records.file", records}, {"expect", "2"}});
    ASSERT_TRUE(task.start().ok());
    ASSERT_TRUE(task.open({{kTopic, 0}}).ok());
    ASSERT_TRUE(task.put({record("a", "1")}).ok());
    EXPECT_FALSE(task.host().verdict());
    ASSERT_TRUE(task.put({record("b", "2")}).ok());
    ASSERT_TRUE(task.host().verdict());
    EXPECT_TRUE(task.host().verdict()->ok);
    EXPECT_EQ(task.host().verdict()->summary, "saw 2 records");
    EXPECT_TRUE(task.host().logged("verdict: saw 2 records"));
}

TEST_F(HarnessSink, AnExceptionEscapingAPluginIsFatalAndNoted) {
    SinkTask raw(Plugin::load(RAW_THROW_PLUGIN), {});
    const auto status = raw.start();
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_EQ(status.message, "start() threw: raw throw");
    EXPECT_TRUE(raw.host().exception_escaped());

    // A plugin built with the SDK turns its own exception into FATAL at its boundary: none escapes.
    SinkTask guarded(Plugin::load(THROWING_START_PLUGIN), {});
    const auto refused = guarded.start();
    EXPECT_TRUE(refused.fatal()) << refused;
    EXPECT_NE(refused.message.find("start exploded on purpose"), std::string::npos) << refused;
    EXPECT_FALSE(guarded.host().exception_escaped());
}

}  // namespace
