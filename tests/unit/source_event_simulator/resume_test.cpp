// A restarted task continues its stream and its audit log: it sends again only the records
// without a line (their outcome unknown), with their original seqs and bytes, and goes on; the
// log ends with exactly one line per seq. The kill is real: a child process runs the task and
// _exit()s without stopping it, losing whatever the task had not written yet.
#include "generator.hpp"
#include "stream_file.hpp"
#include "task_harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

namespace ingest::plugins::source_event_simulator {
namespace {

using ingest::testing::read_file;
using ingest::testing::read_lines;
using ingest::testing::TempDir;
using testing::Harness;
using testing::parse_lines;
using testing::small_config;

constexpr int32_t kPartitions = 6;

// The broker of these tests, kept in a file so that what a killed child stored survives it. A
// record goes to the partition its key picks, as Kafka's partitioner does.
class FileTopic {
   public:
    struct Record {
        int32_t partition = 0;
        int64_t offset = 0;
        std::string key;
        std::optional<std::string> value;
    };

    explicit FileTopic(std::string path) : path_(std::move(path)) {
        for (const Record& record : records()) next_[record.partition] = record.offset + 1;
    }

    std::pair<int32_t, int64_t> store(const std::string& key, const std::optional<std::string>& value) {
        const auto partition = static_cast<int32_t>(std::hash<std::string>{}(key) % kPartitions);
        const int64_t offset = next_[partition]++;
        boost::json::object line{{"partition", partition}, {"offset", offset}, {"key", key}};
        line["value"] = value ? boost::json::value(*value) : boost::json::value(nullptr);
        std::ofstream out(path_, std::ios::app);
        out << boost::json::serialize(line) << '\n';
        out.flush();
        return {partition, offset};
    }

    std::vector<Record> records() const {
        std::vector<Record> all;
        for (const std::string& text : read_lines(path_)) {
            const auto line = boost::json::parse(text).as_object();
            Record record{static_cast<int32_t>(line.at("partition").as_int64()), line.at("offset").as_int64(),
                          std::string(line.at("key").as_string()), std::nullopt};
            if (!line.at("value").is_null()) record.value = std::string(line.at("value").as_string());
            all.push_back(std::move(record));
        }
        return all;
    }

   private:
    std::string path_;
    std::map<int32_t, int64_t> next_;
};

// Runs the stream in a child process and kills it (_exit, no stop()) once `kill_at` records went
// out: every record but the newest `not_stored` reached the topic, and every stored record but
// the newest `unreported` got its delivery report (in order, so in order per partition too).
void run_and_kill(const SimulatorConfig& config, const std::string& topic_path, size_t kill_at,
                  size_t unreported = 12, size_t not_stored = 5, int32_t task = 0, int32_t tasks = 1) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int code = 0;
        try {
            Harness harness(task, tasks);
            harness.task.start_with(config);
            FileTopic topic(topic_path);
            std::vector<std::pair<int32_t, int64_t>> positions;
            size_t reported = 0;
            while (harness.emitted.size() < kill_at) {
                if (harness.poll() == sdk::SourceTask::PollResult::End) break;
                while (positions.size() + not_stored < harness.emitted.size()) {
                    const auto& record = harness.emitted[positions.size()];
                    positions.push_back(topic.store(record.key, record.value));
                }
                for (; reported + unreported < positions.size(); ++reported)
                    harness.task.on_delivered(harness.emitted[reported].correlation,
                                              positions[reported].first, positions[reported].second, {});
            }
        } catch (...) {
            code = 1;
        }
        ::_exit(code);  // kill -9: no stop(), no flush, no destructor
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child failed before its kill";
}

// Starts the task again and runs it to the end, storing and confirming everything it sends.
std::vector<testing::Emitted> run_to_end(Harness& harness, const SimulatorConfig& config,
                                         const std::string& topic_path) {
    harness.task.start_with(config);
    FileTopic topic(topic_path);
    size_t done = 0;
    auto settle = [&] {
        for (; done < harness.emitted.size(); ++done) {
            const auto& record = harness.emitted[done];
            const auto [partition, offset] = topic.store(record.key, record.value);
            harness.task.on_delivered(record.correlation, partition, offset, {});
        }
    };
    const auto until = testing::Clock::now() + std::chrono::seconds(30);
    while (harness.poll() != sdk::SourceTask::PollResult::End) {
        settle();
        if (testing::Clock::now() > until) {
            ADD_FAILURE() << "the stream did not end";
            break;
        }
    }
    settle();
    harness.task.commit();
    harness.task.stop();
    return harness.emitted;
}

// The truth holds: one line per seq 0..N-1, each the generator's record; every confirmed line's
// record at its position in the topic; every other topic record an identical copy of a confirmed
// record of its partition. Returns the number of copies.
size_t check_one_truth(const SimulatorConfig& config, const std::string& topic_path) {
    const auto lines = parse_lines(config.audit_log);
    EXPECT_FALSE(lines.empty());
    if (lines.empty()) return 0;
    const auto& completion = lines.back();
    EXPECT_TRUE(completion.contains("complete")) << "the stream did not complete";
    EXPECT_EQ(completion.at("totals").at("records").as_int64(), static_cast<int64_t>(config.events));
    EXPECT_EQ(completion.at("totals").at("confirmed").as_int64(), static_cast<int64_t>(config.events));

    std::map<int64_t, const boost::json::object*> by_seq;
    for (size_t i = 0; i + 1 < lines.size(); ++i)
        EXPECT_TRUE(by_seq.emplace(lines[i].at("seq").as_int64(), &lines[i]).second)
            << "seq " << lines[i].at("seq").as_int64() << " has two lines";
    EXPECT_EQ(by_seq.size(), config.events);

    Generator generator(config);
    for (uint64_t seq = 0; seq < config.events; ++seq) {
        const GeneratedRecord& expected = generator.next();
        const auto found = by_seq.find(static_cast<int64_t>(seq));
        if (found == by_seq.end()) {
            ADD_FAILURE() << "seq " << seq << " has no line";
            continue;
        }
        const auto& line = *found->second;
        EXPECT_EQ(line.at("key").as_string(), expected.key) << "seq " << seq;
        if (expected.value)
            EXPECT_EQ(line.at("value").as_string(), *expected.value) << "seq " << seq;
        else
            EXPECT_TRUE(line.at("value").is_null()) << "seq " << seq;
    }

    using Bytes = std::pair<std::string, std::optional<std::string>>;
    std::map<std::pair<int64_t, int64_t>, Bytes> confirmed;
    std::set<std::pair<int64_t, Bytes>> confirmed_by_partition;
    for (const auto& [seq, line] : by_seq) {
        Bytes bytes{std::string(line->at("key").as_string()), std::nullopt};
        if (!line->at("value").is_null()) bytes.second = std::string(line->at("value").as_string());
        const int64_t partition = line->at("partition").as_int64();
        confirmed[{partition, line->at("offset").as_int64()}] = bytes;
        confirmed_by_partition.insert({partition, bytes});
    }
    size_t copies = 0;
    std::set<std::pair<int64_t, int64_t>> seen;
    for (const FileTopic::Record& record : FileTopic(topic_path).records()) {
        const Bytes bytes{record.key, record.value};
        seen.insert({record.partition, record.offset});
        const auto at = confirmed.find({record.partition, record.offset});
        if (at != confirmed.end()) {
            EXPECT_EQ(at->second, bytes) << "partition " << record.partition << " offset " << record.offset;
            continue;
        }
        EXPECT_TRUE(confirmed_by_partition.contains({record.partition, bytes}))
            << "partition " << record.partition << " offset " << record.offset
            << " is neither confirmed nor a copy of a confirmed record";
        ++copies;
    }
    for (const auto& [position, bytes] : confirmed)
        EXPECT_TRUE(seen.contains(position)) << "a confirmed position is not in the topic";
    return copies;
}

class ResumeTest : public ::testing::Test {
   protected:
    ResumeTest() {
        config = small_config(dir.file("audit.jsonl"), 2'000);
        config.max_in_flight = 100;   // the child goes out a little at a time
        config.audit_flush_records = 50;  // lines reach the file in chunks; a kill loses the rest
    }

    TempDir dir;
    std::string topic_path = dir.file("topic.jsonl");
    SimulatorConfig config;
};

TEST_F(ResumeTest, AKilledTaskContinuesItsStreamAndLogWithOneLinePerSeq) {
    run_and_kill(config, topic_path, 700);
    const size_t lines_before = read_lines(config.audit_log).size();
    ASSERT_GT(lines_before, 0u);
    ASSERT_LT(lines_before, FileTopic(topic_path).records().size())
        << "the kill lost the unwritten lines and the unreported records";
    std::set<std::string> before;  // what had its line before the restart
    for (const auto& line : parse_lines(config.audit_log))
        before.insert(std::to_string(line.at("seq").as_int64()));

    Harness harness;
    const auto sent = run_to_end(harness, config, topic_path);
    EXPECT_TRUE(harness.logged("continuing the stream of audit log")) << harness.logs.front();
    for (const auto& record : sent)
        EXPECT_FALSE(before.contains(std::to_string(record.correlation)))
            << "seq " << record.correlation << " had its line and went out again";
    EXPECT_EQ(sent.size(), config.events - lines_before);
    EXPECT_GT(check_one_truth(config, topic_path), 0u)
        << "the stored records whose reports or lines the kill lost are in the topic twice";
}

TEST_F(ResumeTest, SeveralKillsInARow) {
    run_and_kill(config, topic_path, 500);
    run_and_kill(config, topic_path, 400, 30, 0);
    run_and_kill(config, topic_path, 300, 0, 20);
    Harness harness;
    run_to_end(harness, config, topic_path);
    check_one_truth(config, topic_path);
}

TEST_F(ResumeTest, ALineCutShortByTheKillIsDroppedAndItsRecordSentAgain) {
    run_and_kill(config, topic_path, 700);
    const std::string complete = read_file(config.audit_log);
    const auto lines = parse_lines(config.audit_log);
    std::set<int64_t> seqs;
    for (const auto& line : lines) seqs.insert(line.at("seq").as_int64());
    int64_t missing = 0;
    while (seqs.contains(missing)) ++missing;
    {
        std::ofstream out(config.audit_log, std::ios::app);
        out << "{\"seq\":" << missing << ",\"intent\":\"cre";  // as `cut` below
    }
    Harness harness;
    run_to_end(harness, config, topic_path);
    const std::string cut = "{\"seq\":" + std::to_string(missing) + ",\"intent\":\"cre";
    EXPECT_TRUE(harness.logged("dropping its last " + std::to_string(cut.size()) + " bytes, a line cut short"));
    check_one_truth(config, topic_path);
    EXPECT_EQ(read_file(config.audit_log).compare(0, complete.size(), complete), 0)
        << "the lines before the cut are kept as they were";
}

TEST_F(ResumeTest, ALogWithOnlyACutFirstLineStartsTheStream) {
    std::filesystem::create_directories(dir.path());
    { std::ofstream(config.audit_log) << "{\"seq\":0,\"in"; }
    Harness harness;
    run_to_end(harness, config, topic_path);
    EXPECT_TRUE(harness.logged("dropping 12 bytes without a newline"));
    EXPECT_EQ(check_one_truth(config, topic_path), 0u);
}

TEST_F(ResumeTest, ACompleteStreamSendsNothing) {
    Harness first;
    run_to_end(first, config, topic_path);
    const std::string log = read_file(config.audit_log);

    Harness second;
    second.task.start_with(config);
    EXPECT_EQ(second.poll(), sdk::SourceTask::PollResult::End);
    second.task.commit();
    second.task.stop();
    EXPECT_TRUE(second.emitted.empty());
    EXPECT_TRUE(second.logged("already holds this stream complete (2000 records"));
    EXPECT_EQ(read_file(config.audit_log), log);
}

TEST_F(ResumeTest, ARateChangePacesTheSameStream) {
    run_and_kill(config, topic_path, 700);
    SimulatorConfig faster = config;
    faster.rate = 100'000;  // was unthrottled: the simulated clock keeps the stream's spacing
    Harness harness;
    run_to_end(harness, faster, topic_path);
    EXPECT_TRUE(harness.logged("rate is 100000/s now, unthrottled when the stream started"));
    check_one_truth(config, topic_path);
}

TEST_F(ResumeTest, AnotherConfigurationIsRefusedNamingWhatChanged) {
    run_and_kill(config, topic_path, 700);
    SimulatorConfig other = config;
    other.seed = 100;
    other.correction_rate = 0.02;
    other.max_in_flight = 7;  // pacing: no reason to refuse
    Harness harness;
    try {
        harness.task.start_with(other);
        FAIL() << "continued a stream with another seed";
    } catch (const sdk::FatalError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("of a stream with another configuration (seed: '99' when the stream "
                               "started, '100' now; correction.rate: '0.03' when the stream started, "
                               "'0.02' now)"),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find("move " + config.audit_log + " and " + config.audit_log +
                               ".stream away to start a new stream"),
                  std::string::npos)
            << message;
    }
    // Nothing was touched, and the refused start let go of the log.
    Harness again;
    run_to_end(again, config, topic_path);
    check_one_truth(config, topic_path);
}

TEST_F(ResumeTest, ALogWithoutItsStreamFileIsRefused) {
    run_and_kill(config, topic_path, 700);
    std::filesystem::remove(stream_file_path(config.audit_log));
    Harness harness;
    try {
        harness.task.start_with(config);
        FAIL() << "continued a log nothing describes";
    } catch (const sdk::FatalError& error) {
        EXPECT_NE(std::string(error.what()).find(".stream (what stream wrote them) does not exist"),
                  std::string::npos)
            << error.what();
    }
}

TEST_F(ResumeTest, ADamagedLineIsRefused) {
    run_and_kill(config, topic_path, 700);
    { std::ofstream(config.audit_log, std::ios::app) << "garbage\n"; }
    Harness harness;
    try {
        harness.task.start_with(config);
        FAIL() << "continued a damaged log";
    } catch (const sdk::FatalError& error) {
        EXPECT_NE(std::string(error.what()).find("not JSON"), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("is not a log this task can continue"), std::string::npos)
            << error.what();
    }
}

TEST_F(ResumeTest, ATopicShorterThanTheLogFailsTheTask) {
    run_and_kill(config, topic_path, 700);
    // The broker lost its data (e.g. the embedded broker restarted): offsets start over.
    Harness harness;
    harness.task.start_with(config);
    harness.poll();
    ASSERT_FALSE(harness.emitted.empty());
    harness.task.on_delivered(harness.emitted[0].correlation, 0, 0, {});
    try {
        harness.poll();
        FAIL() << "went on producing into another topic";
    } catch (const sdk::FatalError& error) {
        EXPECT_NE(std::string(error.what()).find("the topic holds fewer records than the log describes"),
                  std::string::npos)
            << error.what();
    }
}

TEST_F(ResumeTest, EveryTaskContinuesItsOwnShare) {
    for (int32_t task = 0; task < 2; ++task) {
        const std::string topic = dir.file("topic-" + std::to_string(task) + ".jsonl");
        run_and_kill(config, topic, 300, 12, 5, task, 2);
        Harness harness(task, 2);
        run_to_end(harness, config, topic);
        EXPECT_TRUE(harness.logged("continuing the stream of audit log " + config.audit_log + "." +
                                   std::to_string(task)));
        check_one_truth(task_share(config, task, 2), topic);
    }
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
