// The simulator task through the plugin boundary: source_event_simulator.so driven by the plugin
// test harness as the runner drives it (simulator_plugin.hpp), its audit log read back.
#include "generator.hpp"
#include "partitioning.hpp"
#include "simulator_plugin.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

namespace ingest::plugins::source_event_simulator {
namespace {

using ingest::harness::ConfigProblem;
using ingest::testing::read_lines;
using ingest::testing::TempDir;
using testing::Clock;
using testing::Config;
using testing::Emitted;
using testing::kPartitions;
using testing::ok;
using testing::parse_lines;
using testing::settings_of;
using testing::SimulatorSource;
using testing::small_config;
using testing::with;

size_t pending(const SimulatorSource& task) {
    return static_cast<size_t>(std::count_if(task.emitted().begin(), task.emitted().end(), [](const Emitted& record) {
        return record.state == Emitted::State::pending;
    }));
}

// Polls without delivering until the source says END (within 30 s).
void poll_to_end(SimulatorSource& task) {
    const auto until = Clock::now() + std::chrono::seconds(30);
    for (;;) {
        const auto status = task.poll();
        if (status.end()) return;
        ASSERT_TRUE(ok(status));
        ASSERT_LT(Clock::now(), until) << "the stream did not end";
    }
}

TEST(SimulatorTask, OneAuditLinePerRecordThenTheTotals) {
    TempDir dir;
    const Config config = small_config(dir.file("audit.jsonl"));
    SimulatorSource task(config);
    ASSERT_TRUE(ok(task.start()));
    ASSERT_TRUE(ok(task.run_to_end()));
    ASSERT_TRUE(ok(task.stop()));

    ASSERT_EQ(task.emitted().size(), 10'000u);
    const auto lines = parse_lines(dir.file("audit.jsonl"));
    ASSERT_EQ(lines.size(), 10'001u);
    std::set<int64_t> seqs;
    for (size_t i = 0; i < 10'000; ++i) {
        const auto& line = lines[i];
        const int64_t seq = line.at("seq").as_int64();
        ASSERT_TRUE(seqs.insert(seq).second) << "seq " << seq << " twice";
        const Emitted& sent = task.emitted().at(static_cast<size_t>(seq));
        ASSERT_EQ(sent.correlation, static_cast<uint64_t>(seq));
        ASSERT_EQ(line.at("key").as_string(), sent.key.value());
        if (sent.value) {
            ASSERT_EQ(line.at("value").as_string(), *sent.value);
        } else {
            ASSERT_TRUE(line.at("value").is_null());
        }
        ASSERT_EQ(line.at("status").as_string(), "confirmed");
        // Where the broker stored it, as its delivery report said.
        ASSERT_EQ(line.at("partition").as_int64(), sent.partition);
        ASSERT_EQ(line.at("offset").as_int64(), sent.offset);
    }
    const auto& totals = lines.back().at("totals").as_object();
    EXPECT_TRUE(lines.back().at("complete").as_bool());
    EXPECT_EQ(totals.at("records").as_int64(), 10'000);
    EXPECT_EQ(totals.at("confirmed").as_int64(), 10'000);
    EXPECT_EQ(totals.at("failed").as_int64(), 0);
    int64_t by_intent = 0;
    for (auto name : kIntentNames) by_intent += totals.at(name).as_int64();
    EXPECT_EQ(by_intent, 10'000);
    EXPECT_GT(totals.at("malformed").as_int64(), 0);
    EXPECT_TRUE(task.host().logged("stream complete: records=10000"));
    EXPECT_FALSE(task.host().exception_escaped());
}

TEST(SimulatorTask, EmitsExactlyTheGeneratorsStreamOnItsFirstUsersPartitions) {
    TempDir dir;
    const Config config = small_config(dir.file("audit.jsonl"), 5'000);
    SimulatorSource task(config);
    ASSERT_TRUE(ok(task.start()));
    ASSERT_TRUE(ok(task.run_to_end()));
    Generator generator(settings_of(config));
    for (const Emitted& sent : task.emitted()) {
        const GeneratedRecord& expected = generator.next();
        ASSERT_EQ(sent.key, expected.key);
        ASSERT_EQ(sent.value.has_value(), expected.value.has_value());
        if (sent.value) {
            ASSERT_EQ(*sent.value, *expected.value);
        }
        ASSERT_EQ(sent.partition, user_partition(expected.first_user, kPartitions)) << "seq " << sent.correlation;
    }
}

TEST(SimulatorTask, MaxInFlightBoundsTheProducerLead) {
    TempDir dir;
    SimulatorSource task(with(small_config(dir.file("audit.jsonl"), 1'000), {{"max.in.flight", "100"}}));
    ASSERT_TRUE(ok(task.start()));

    ASSERT_TRUE(ok(task.poll()));
    ASSERT_EQ(task.emitted().size(), 100u);
    ASSERT_TRUE(ok(task.poll()));
    EXPECT_EQ(task.emitted().size(), 100u) << "nothing goes out at the limit";

    // Everything but the oldest is confirmed: the lead is still 100 records.
    task.deliver([](const Emitted& record) { return record.correlation != 0; });
    ASSERT_TRUE(ok(task.poll()));
    EXPECT_EQ(task.emitted().size(), 100u);
    EXPECT_EQ(pending(task), 1u);

    task.deliver_all();
    ASSERT_TRUE(ok(task.poll()));
    EXPECT_EQ(task.emitted().size(), 200u);
}

TEST(SimulatorTask, FailedDeliveriesAreLoggedAsFailed) {
    TempDir dir;
    SimulatorSource task(small_config(dir.file("audit.jsonl"), 100));
    ASSERT_TRUE(ok(task.start()));
    poll_to_end(task);
    ASSERT_EQ(pending(task), 100u);
    task.fail([](const Emitted& record) { return record.correlation % 10 == 3; }, "Broker: Topic authorization failed");
    task.deliver_all();
    ASSERT_TRUE(ok(task.commit()));
    ASSERT_TRUE(ok(task.stop()));

    const auto lines = parse_lines(dir.file("audit.jsonl"));
    ASSERT_EQ(lines.size(), 101u);
    int failed = 0;
    for (size_t i = 0; i < 100; ++i) {
        if (lines[i].at("status").as_string() != "failed") continue;
        ++failed;
        EXPECT_EQ(lines[i].at("seq").as_int64() % 10, 3);
        EXPECT_EQ(lines[i].at("error").as_string(), "Broker: Topic authorization failed");
        EXPECT_EQ(lines[i].at("partition").as_int64(), -1);
        EXPECT_EQ(lines[i].at("offset").as_int64(), -1);
    }
    EXPECT_EQ(failed, 10);
    EXPECT_EQ(lines.back().at("totals").at("failed").as_int64(), 10);
    EXPECT_EQ(lines.back().at("totals").at("confirmed").as_int64(), 90);
    EXPECT_TRUE(task.host().logged("was not delivered: Broker: Topic authorization failed"));
}

TEST(SimulatorTask, RecordsWithoutAReportAtStopHaveNoLineAndGoOutAgainAtTheNextStart) {
    TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    SimulatorSource task(small_config(audit, 50));
    ASSERT_TRUE(ok(task.start()));
    ASSERT_TRUE(ok(task.poll()));
    ASSERT_EQ(pending(task), 50u);
    task.deliver([](const Emitted& record) { return record.correlation % 2 == 0; });
    ASSERT_TRUE(ok(task.stop()));
    EXPECT_TRUE(task.host().logged("25 records had no delivery report when the task stopped"));

    auto lines = parse_lines(audit);
    ASSERT_EQ(lines.size(), 25u) << "no line for an unknown outcome, and no completion line";
    for (const auto& line : lines) EXPECT_EQ(line.at("seq").as_int64() % 2, 0);

    // Their outcome is unknown: the next start sends exactly them again, with their seqs. (The
    // broker keeps what it stored, so the offsets go on where they were.)
    ASSERT_TRUE(ok(task.restart()));
    ASSERT_TRUE(ok(task.run_to_end()));
    ASSERT_TRUE(ok(task.stop()));
    ASSERT_EQ(task.emitted().size(), 75u);
    for (size_t i = 0; i < 25; ++i) {
        const Emitted& again = task.emitted()[50 + i];
        const Emitted& before = task.emitted().at(2 * i + 1);
        EXPECT_EQ(again.correlation, before.correlation);
        EXPECT_EQ(again.key, before.key);
        EXPECT_EQ(again.value, before.value);
        EXPECT_EQ(again.partition, before.partition);
    }
    lines = parse_lines(audit);
    ASSERT_EQ(lines.size(), 51u);
    EXPECT_EQ(lines.back().at("totals").at("records").as_int64(), 50);
    EXPECT_EQ(lines.back().at("totals").at("confirmed").as_int64(), 50);
}

TEST(SimulatorTask, AStoppedUnfinishedStreamHasNoCompletionLine) {
    TempDir dir;
    SimulatorSource task(with(small_config(dir.file("audit.jsonl"), 0), {{"max.in.flight", "10"}}));
    ASSERT_TRUE(ok(task.start()));
    ASSERT_TRUE(ok(task.poll()));
    task.deliver_all();
    ASSERT_TRUE(ok(task.stop()));
    const auto lines = parse_lines(dir.file("audit.jsonl"));
    ASSERT_EQ(lines.size(), 10u);
    for (const auto& line : lines) EXPECT_FALSE(line.contains("complete"));
}

TEST(SimulatorTask, DurationEndsAnUnboundedStream) {
    TempDir dir;
    SimulatorSource task(with(small_config(dir.file("audit.jsonl"), 0), {{"duration.ms", "100"}, {"rate", "1000"}}));
    ASSERT_TRUE(ok(task.start()));
    ASSERT_TRUE(ok(task.run_to_end()));
    ASSERT_TRUE(ok(task.stop()));
    EXPECT_GT(task.emitted().size(), 0u);
    const auto lines = parse_lines(dir.file("audit.jsonl"));
    ASSERT_EQ(lines.size(), task.emitted().size() + 1);
    EXPECT_TRUE(lines.back().at("complete").as_bool());
}

TEST(SimulatorTask, RateCapsEmission) {
    TempDir dir;
    SimulatorSource task(with(small_config(dir.file("audit.jsonl"), 0), {{"rate", "500"}}));
    ASSERT_TRUE(ok(task.start()));
    const auto started = Clock::now();
    while (task.emitted().size() < 20) {
        ASSERT_TRUE(ok(task.poll()));
        task.deliver_all();
        ASSERT_LT(Clock::now() - started, std::chrono::seconds(10));
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    EXPECT_LE(static_cast<double>(task.emitted().size()), 500 * elapsed + 2);
}

TEST(SimulatorTask, LogsProgress) {
    TempDir dir;
    SimulatorSource task(
        with(small_config(dir.file("audit.jsonl"), 0), {{"progress.interval.ms", "1"}, {"max.in.flight", "10"}}));
    ASSERT_TRUE(ok(task.start()));
    const auto started = Clock::now();
    while (!task.host().logged("progress: produced=")) {
        ASSERT_TRUE(ok(task.poll()));
        task.deliver_all();
        ASSERT_LT(Clock::now() - started, std::chrono::seconds(10));
    }
    EXPECT_TRUE(task.host().logged("confirmed="));
    EXPECT_TRUE(task.host().logged("failed="));
    EXPECT_TRUE(task.host().logged("/s"));
}

TEST(SimulatorTask, UnknownReportsAreWarnedAboutAndIgnored) {
    TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    SimulatorSource task(small_config(audit, 10));
    ASSERT_TRUE(ok(task.start()));
    ASSERT_TRUE(ok(task.poll()));
    ASSERT_TRUE(ok(task.report_delivery(12345, 0, 0)));
    EXPECT_TRUE(task.host().logged("unknown or already settled record 12345"));
    task.deliver([](const Emitted& record) { return record.correlation == 0; });
    const Emitted& first = task.emitted()[0];
    ASSERT_TRUE(ok(task.report_delivery(0, first.partition, first.offset)));  // the same report again
    EXPECT_TRUE(task.host().logged("unknown or already settled record 0"));
    EXPECT_EQ(pending(task), 9u);

    // Ignored: record 0 has its one line, and the rest settle as usual.
    ASSERT_TRUE(ok(task.run_to_end()));
    ASSERT_TRUE(ok(task.stop()));
    const auto lines = parse_lines(audit);
    ASSERT_EQ(lines.size(), 11u);
    std::set<int64_t> seqs;
    for (size_t i = 0; i < 10; ++i) EXPECT_TRUE(seqs.insert(lines[i].at("seq").as_int64()).second);
    EXPECT_EQ(lines.back().at("totals").at("confirmed").as_int64(), 10);
}

TEST(SimulatorTask, ABadConfigIsRefusedNamingEveryProblem) {
    const Config bad = {{"event.types", "page_view:60,click"},
                        {"malformed.rate", "0.9"},
                        {"late.threshold.ms", "5000"},
                        {"ontime.delay.max.ms", "6000"}};
    const auto problems = testing::simulator_plugin().check_config(bad);
    auto message_of = [&](const std::string& key) {
        auto it = std::find_if(problems.begin(), problems.end(), [&](const ConfigProblem& p) { return p.key == key; });
        return it == problems.end() ? std::string("<none>") : it->message;
    };
    EXPECT_EQ(problems.size(), 3u);
    EXPECT_NE(message_of("event.types").find("entry 2 'click' has no weight"), std::string::npos);
    EXPECT_NE(message_of("").find("sum to"), std::string::npos) << message_of("");
    EXPECT_EQ(message_of("ontime.delay.max.ms").rfind("is 6000", 0), 0u) << message_of("ontime.delay.max.ms");
    EXPECT_THROW(SimulatorSource{bad}, harness::ConfigError) << "no task starts with it";
}

TEST(SimulatorTask, StartAcceptsTheTableDefaults) {
    TempDir dir;
    SimulatorSource task({{"audit.log", dir.file("audit.jsonl")}, {"events", "10"}});
    ASSERT_TRUE(ok(task.start()));
    ASSERT_TRUE(ok(task.run_to_end()));
    EXPECT_EQ(task.emitted().size(), 10u);
    EXPECT_EQ(read_lines(dir.file("audit.jsonl")).size(), 11u);
}

TEST(SimulatorTask, AnImpossibleTaskNumberIsRefused) {
    SimulatorSource task({}, 2, 2);
    const auto status = task.start();
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(status.message.find("task 2 of 2"), std::string::npos) << status;
}

TEST(SimulatorTask, FewerEventsThanTasksIsRefused) {
    SimulatorSource task(small_config("", 3), 0, 4);
    const auto status = task.start();
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(status.message.find("events"), std::string::npos) << status;
    EXPECT_NE(status.message.find("tasks.max"), std::string::npos) << status;
}

// Runs task `task` of `tasks` over `config` to its end; returns what it emitted.
std::vector<Emitted> run_task(const Config& config, int32_t task, int32_t tasks) {
    SimulatorSource source(config, task, tasks);
    EXPECT_TRUE(ok(source.start()));
    EXPECT_TRUE(ok(source.run_to_end()));
    EXPECT_TRUE(ok(source.stop()));
    return source.emitted();
}

uint64_t completion_total(const std::string& path, std::string_view name) {
    const auto lines = parse_lines(path);
    const auto& totals = lines.back().at("totals").as_object();
    return static_cast<uint64_t>(totals.at(name).as_int64());
}

TEST(SimulatorTask, TasksShareTheStreamWithTheirOwnAuditLogs) {
    TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    const Config config = small_config(audit, 10'001);
    const auto first = run_task(config, 0, 2);
    const auto second = run_task(config, 1, 2);

    EXPECT_EQ(first.size(), 5001u);
    EXPECT_EQ(second.size(), 5000u);
    EXPECT_FALSE(std::filesystem::exists(audit)) << "N > 1 writes only task files";
    EXPECT_EQ(completion_total(audit + ".0", "records"), 5001u);
    EXPECT_EQ(completion_total(audit + ".1", "records"), 5000u);
    EXPECT_EQ(completion_total(audit + ".0", "confirmed") + completion_total(audit + ".1", "confirmed"), 10'001u);

    // Every event id belongs to one task: each task's follow-ups (duplicates, corrections,
    // deletions) refer to its own creates. Malformed keys are not event ids; skip them.
    auto event_ids = [](const std::vector<Emitted>& records) {
        std::set<std::string> ids;
        for (const auto& record : records)
            if (record.key && record.key->size() == 36) ids.insert(*record.key);
        return ids;
    };
    const auto first_ids = event_ids(first);
    const auto second_ids = event_ids(second);
    EXPECT_GT(first_ids.size(), 4000u);
    EXPECT_GT(second_ids.size(), 4000u);
    for (const auto& id : second_ids) ASSERT_EQ(first_ids.count(id), 0u) << id << " in both tasks";
}

TEST(SimulatorTask, EachTaskIsDeterministicAndDiffersFromTheOthers) {
    TempDir dir;
    const Config config = small_config(dir.file("audit.jsonl"), 2'000);
    // Each run in its own directory: a run that found the previous one's audit log would continue
    // it (here: find it complete and send nothing).
    int runs = 0;
    auto run = [&](int32_t task, int32_t tasks) {
        const Config fresh = with(config, {{"audit.log", dir.file("run-" + std::to_string(++runs) + "/audit.jsonl")}});
        std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> out;
        for (const auto& record : run_task(fresh, task, tasks)) out.emplace_back(record.key, record.value);
        return out;
    };
    const auto task1 = run(1, 3);
    EXPECT_FALSE(task1.empty());
    EXPECT_EQ(task1, run(1, 3));
    EXPECT_NE(task1, run(0, 3));
    EXPECT_NE(task1, run(1, 2));
    // One task is exactly the unsplit stream.
    EXPECT_EQ(run(0, 1), run(0, 1));
}

TEST(SimulatorTask, WithoutAnAuditLogItWarns) {
    SimulatorSource task(small_config("", 10));
    ASSERT_TRUE(ok(task.start()));
    EXPECT_TRUE(task.host().logged("no audit log"));
    ASSERT_TRUE(ok(task.run_to_end()));
    ASSERT_TRUE(ok(task.stop()));
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
