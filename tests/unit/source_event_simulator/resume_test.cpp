// A restarted task continues its stream and its audit log: it sends again only the records
// without a line (their outcome unknown), with their original seqs and bytes, and goes on; the
// log ends with exactly one line per seq. The kill is real: a child process runs the task (the
// plugin, through the plugin test harness) and _exit()s without stopping it, losing whatever the
// task had not written yet.
#include "generator.hpp"
#include "simulator_plugin.hpp"
#include "stream_file.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace ingest::plugins::source_event_simulator {
namespace {

using ingest::testing::read_file;
using ingest::testing::read_lines;
using ingest::testing::TempDir;
using testing::Config;
using testing::Emitted;
using testing::ok;
using testing::parse_lines;
using testing::settings_of;
using testing::SimulatorSource;
using testing::small_config;
using testing::with;

// The topic of these tests, kept in a file so that what the broker stored for a killed child
// survives it: the harness's broker stores and numbers the records, this keeps them, and the next
// task's broker goes on from there.
class FileTopic {
   public:
    struct Record {
        int32_t partition = 0;
        int64_t offset = 0;
        std::string key;
        std::optional<std::string> value;
    };

    explicit FileTopic(std::string path) : path_(std::move(path)) {}

    // Keeps the records of `emitted` the broker stored from `from` on; returns how far it got.
    size_t keep(const std::vector<Emitted>& emitted, size_t from) const {
        std::ofstream out(path_, std::ios::app);
        for (; from < emitted.size() && emitted[from].state == Emitted::State::delivered; ++from) {
            const Emitted& record = emitted[from];
            boost::json::object line{{"partition", record.partition}, {"offset", record.offset}, {"key", *record.key}};
            line["value"] = record.value ? boost::json::value(*record.value) : boost::json::value(nullptr);
            out << boost::json::serialize(line) << '\n';
        }
        out.flush();
        return from;
    }

    // The broker of `task` holds what this topic holds: each partition goes on at its next offset.
    void continue_in(SimulatorSource& task) const {
        std::map<int32_t, int64_t> next;
        for (const Record& record : records()) next[record.partition] = record.offset + 1;
        for (const auto& [partition, offset] : next) task.host().set_watermarks({harness::kTopic, partition}, 0, offset);
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
};

// Delivers the oldest `count` pending records.
void deliver_oldest(SimulatorSource& task, size_t count) {
    task.deliver([&count](const Emitted&) {
        if (count == 0) return false;
        --count;
        return true;
    });
}

// Runs the stream in a child process and kills it (_exit, no stop()) once `kill_at` records went
// out: every record but the newest `not_stored` reached the topic, and every stored record but
// the newest `unreported` got its delivery report (in order, so in order per partition too).
void run_and_kill(const Config& config, const std::string& topic_path, size_t kill_at, size_t unreported = 12,
                  size_t not_stored = 5, int32_t task_id = 0, int32_t tasks = 1) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int code = 0;
        try {
            SimulatorSource task(config, task_id, tasks);
            const FileTopic topic(topic_path);
            topic.continue_in(task);
            if (!task.start().ok()) ::_exit(1);
            size_t stored = 0;
            while (task.emitted().size() < kill_at) {
                const auto status = task.poll();
                if (status.end()) break;
                if (!status.ok()) ::_exit(1);
                const size_t reported = task.emitted().size() - std::min(task.emitted().size(), not_stored + unreported);
                if (reported > stored) deliver_oldest(task, reported - stored);
                stored = topic.keep(task.emitted(), stored);
            }
            // Stored, but the worker dies before their reports reach the task.
            task.host().drop_delivery_reports();
            const size_t reached = task.emitted().size() - std::min(task.emitted().size(), not_stored);
            if (reached > stored) deliver_oldest(task, reached - stored);
            topic.keep(task.emitted(), stored);
            if (task.host().exception_escaped()) code = 1;
        } catch (...) {
            code = 1;
        }
        ::_exit(code);  // kill -9: no stop(), no flush, no destructor
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child failed before its kill";
}

// Starts `task` on the topic and runs it to the end, the broker storing and confirming everything
// it sends; then stops it. Returns what it sent.
std::vector<Emitted> run_to_end(SimulatorSource& task, const std::string& topic_path) {
    const FileTopic topic(topic_path);
    topic.continue_in(task);
    EXPECT_TRUE(ok(task.start()));
    EXPECT_TRUE(ok(task.run_to_end(std::chrono::seconds(30))));
    topic.keep(task.emitted(), 0);
    EXPECT_TRUE(ok(task.stop()));
    return task.emitted();
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
        EXPECT_TRUE(seen.insert({record.partition, record.offset}).second)
            << "partition " << record.partition << " offset " << record.offset << " stored twice";
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
    TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    const std::string topic_path = dir.file("topic.jsonl");
    // The child goes out a little at a time; lines reach the file in chunks, and a kill loses the rest.
    const Config config = with(small_config(audit, 2'000), {{"max.in.flight", "100"}, {"audit.flush.records", "50"}});
};

TEST_F(ResumeTest, AKilledTaskContinuesItsStreamAndLogWithOneLinePerSeq) {
    run_and_kill(config, topic_path, 700);
    const size_t lines_before = read_lines(audit).size();
    ASSERT_GT(lines_before, 0u);
    ASSERT_LT(lines_before, FileTopic(topic_path).records().size())
        << "the kill lost the unwritten lines and the unreported records";
    std::set<std::string> before;  // what had its line before the restart
    for (const auto& line : parse_lines(audit)) before.insert(std::to_string(line.at("seq").as_int64()));

    SimulatorSource task(config);
    const auto sent = run_to_end(task, topic_path);
    EXPECT_TRUE(task.host().logged("continuing the stream of audit log")) << task.host().logs().front().message;
    for (const auto& record : sent)
        EXPECT_FALSE(before.contains(std::to_string(record.correlation)))
            << "seq " << record.correlation << " had its line and went out again";
    EXPECT_EQ(sent.size(), 2'000u - lines_before);
    EXPECT_GT(check_one_truth(settings_of(config), topic_path), 0u)
        << "the stored records whose reports or lines the kill lost are in the topic twice";
}

TEST_F(ResumeTest, SeveralKillsInARow) {
    run_and_kill(config, topic_path, 500);
    run_and_kill(config, topic_path, 400, 30, 0);
    run_and_kill(config, topic_path, 300, 0, 20);
    SimulatorSource task(config);
    run_to_end(task, topic_path);
    check_one_truth(settings_of(config), topic_path);
}

TEST_F(ResumeTest, ALineCutShortByTheKillIsDroppedAndItsRecordSentAgain) {
    run_and_kill(config, topic_path, 700);
    const std::string complete = read_file(audit);
    const auto lines = parse_lines(audit);
    std::set<int64_t> seqs;
    for (const auto& line : lines) seqs.insert(line.at("seq").as_int64());
    int64_t missing = 0;
    while (seqs.contains(missing)) ++missing;
    const std::string cut = "{\"seq\":" + std::to_string(missing) + ",\"intent\":\"cre";
    { std::ofstream(audit, std::ios::app) << cut; }
    SimulatorSource task(config);
    run_to_end(task, topic_path);
    EXPECT_TRUE(task.host().logged("dropping its last " + std::to_string(cut.size()) + " bytes, a line cut short"));
    check_one_truth(settings_of(config), topic_path);
    EXPECT_EQ(read_file(audit).compare(0, complete.size(), complete), 0) << "the lines before the cut are kept as they were";
}

TEST_F(ResumeTest, ALogWithOnlyACutFirstLineStartsTheStream) {
    std::filesystem::create_directories(dir.path());
    { std::ofstream(audit) << "{\"seq\":0,\"in"; }
    SimulatorSource task(config);
    run_to_end(task, topic_path);
    EXPECT_TRUE(task.host().logged("dropping 12 bytes without a newline"));
    EXPECT_EQ(check_one_truth(settings_of(config), topic_path), 0u);
}

TEST_F(ResumeTest, ACompleteStreamSendsNothing) {
    SimulatorSource first(config);
    run_to_end(first, topic_path);
    const std::string log = read_file(audit);

    SimulatorSource second(config);
    ASSERT_TRUE(ok(second.start()));
    EXPECT_TRUE(second.poll().end());
    ASSERT_TRUE(ok(second.commit()));
    ASSERT_TRUE(ok(second.stop()));
    EXPECT_TRUE(second.emitted().empty());
    EXPECT_TRUE(second.host().logged("already holds this stream complete (2000 records"));
    EXPECT_EQ(read_file(audit), log);
}

TEST_F(ResumeTest, ARateChangePacesTheSameStream) {
    run_and_kill(config, topic_path, 700);
    // Was unthrottled: the simulated clock keeps the stream's spacing.
    SimulatorSource task(with(config, {{"rate", "100000"}}));
    run_to_end(task, topic_path);
    EXPECT_TRUE(task.host().logged("rate is 100000/s now, unthrottled when the stream started"));
    check_one_truth(settings_of(config), topic_path);
}

TEST_F(ResumeTest, AnotherConfigurationIsRefusedNamingWhatChanged) {
    run_and_kill(config, topic_path, 700);
    // max.in.flight only paces: no reason to refuse.
    SimulatorSource task(with(config, {{"seed", "100"}, {"correction.rate", "0.02"}, {"max.in.flight", "7"}}));
    const auto status = task.start();
    ASSERT_TRUE(status.fatal()) << "continued a stream with another seed: " << status;
    EXPECT_NE(status.message.find("of a stream with another configuration (seed: '99' when the stream "
                                  "started, '100' now; correction.rate: '0.03' when the stream started, "
                                  "'0.02' now)"),
              std::string::npos)
        << status;
    EXPECT_NE(status.message.find("move " + audit + " and " + audit + ".stream away to start a new stream"),
              std::string::npos)
        << status;
    // Nothing was touched, and the refused start let go of the log.
    SimulatorSource again(config);
    run_to_end(again, topic_path);
    check_one_truth(settings_of(config), topic_path);
}

TEST_F(ResumeTest, ALogWithoutItsStreamFileIsRefused) {
    run_and_kill(config, topic_path, 700);
    std::filesystem::remove(stream_file_path(audit));
    SimulatorSource task(config);
    const auto status = task.start();
    ASSERT_TRUE(status.fatal()) << "continued a log nothing describes: " << status;
    EXPECT_NE(status.message.find(".stream (what stream wrote them) does not exist"), std::string::npos) << status;
}

TEST_F(ResumeTest, ADamagedLineIsRefused) {
    run_and_kill(config, topic_path, 700);
    { std::ofstream(audit, std::ios::app) << "garbage\n"; }
    SimulatorSource task(config);
    const auto status = task.start();
    ASSERT_TRUE(status.fatal()) << "continued a damaged log: " << status;
    EXPECT_NE(status.message.find("not JSON"), std::string::npos) << status;
    EXPECT_NE(status.message.find("is not a log this task can continue"), std::string::npos) << status;
}

TEST_F(ResumeTest, ATopicShorterThanTheLogFailsTheTask) {
    run_and_kill(config, topic_path, 700);
    // The broker lost its data (e.g. the embedded broker restarted): offsets start over.
    SimulatorSource task(config);
    ASSERT_TRUE(ok(task.start()));
    ASSERT_TRUE(ok(task.poll()));
    ASSERT_FALSE(task.emitted().empty());
    task.deliver_all();
    const auto status = task.poll();
    ASSERT_TRUE(status.fatal()) << "went on producing into another topic: " << status;
    EXPECT_NE(status.message.find("the topic holds fewer records than the log describes"), std::string::npos)
        << status;
}

TEST_F(ResumeTest, EveryTaskContinuesItsOwnShare) {
    for (int32_t task_id = 0; task_id < 2; ++task_id) {
        const std::string topic = dir.file("topic-" + std::to_string(task_id) + ".jsonl");
        run_and_kill(config, topic, 300, 12, 5, task_id, 2);
        SimulatorSource task(config, task_id, 2);
        run_to_end(task, topic);
        EXPECT_TRUE(task.host().logged("continuing the stream of audit log " + audit + "." + std::to_string(task_id)));
        check_one_truth(task_share(settings_of(config), task_id, 2), topic);
    }
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
