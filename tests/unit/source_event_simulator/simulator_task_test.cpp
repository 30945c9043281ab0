#include "generator.hpp"
#include "task_harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

namespace ingest::plugins::source_event_simulator {
namespace {

using ingest::testing::read_lines;
using ingest::testing::TempDir;
using testing::Clock;
using testing::Emitted;
using testing::Harness;
using testing::parse_lines;
using testing::small_config;

TEST(SimulatorTask, OneAuditLinePerRecordThenTheTotals) {
    TempDir dir;
    const auto config = small_config(dir.file("audit.jsonl"));
    Harness harness;
    harness.task.start_with(config);
    harness.run_to_end();
    harness.task.commit();
    harness.task.stop();

    ASSERT_EQ(harness.emitted.size(), config.events);
    const auto lines = parse_lines(config.audit_log);
    ASSERT_EQ(lines.size(), config.events + 1);
    std::set<int64_t> seqs;
    for (size_t i = 0; i < config.events; ++i) {
        const auto& line = lines[i];
        const int64_t seq = line.at("seq").as_int64();
        ASSERT_TRUE(seqs.insert(seq).second) << "seq " << seq << " twice";
        const Emitted& sent = harness.emitted.at(static_cast<size_t>(seq));
        ASSERT_EQ(sent.correlation, static_cast<uint64_t>(seq));
        ASSERT_EQ(line.at("key").as_string(), sent.key);
        if (sent.value) {
            ASSERT_EQ(line.at("value").as_string(), *sent.value);
        } else {
            ASSERT_TRUE(line.at("value").is_null());
        }
        ASSERT_EQ(line.at("status").as_string(), "confirmed");
        ASSERT_EQ(line.at("partition").as_int64(), seq % 6);
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
    EXPECT_TRUE(harness.logged("stream complete: records=10000"));
}

TEST(SimulatorTask, EmitsExactlyTheGeneratorsStream) {
    TempDir dir;
    const auto config = small_config(dir.file("audit.jsonl"), 5'000);
    Harness harness;
    harness.task.start_with(config);
    harness.run_to_end();
    Generator generator(config);
    for (const Emitted& sent : harness.emitted) {
        const GeneratedRecord& expected = generator.next();
        ASSERT_EQ(sent.key, expected.key);
        ASSERT_EQ(sent.value.has_value(), expected.value.has_value());
        if (sent.value) {
            ASSERT_EQ(*sent.value, *expected.value);
        }
    }
}

TEST(SimulatorTask, MaxInFlightBoundsTheProducerLead) {
    TempDir dir;
    auto config = small_config(dir.file("audit.jsonl"), 1'000);
    config.max_in_flight = 100;
    Harness harness;
    harness.task.start_with(config);

    harness.poll();
    ASSERT_EQ(harness.emitted.size(), 100u);
    harness.poll();
    EXPECT_EQ(harness.emitted.size(), 100u) << "nothing goes out at the limit";

    // Everything but the oldest is confirmed: the lead is still 100 records.
    for (uint64_t correlation = 1; correlation < 100; ++correlation) harness.confirm(correlation);
    harness.poll();
    EXPECT_EQ(harness.emitted.size(), 100u);
    EXPECT_EQ(harness.task.in_flight(), 1u);

    harness.confirm(0);
    harness.poll();
    EXPECT_EQ(harness.emitted.size(), 200u);
}

TEST(SimulatorTask, FailedDeliveriesAreLoggedAsFailed) {
    TempDir dir;
    const auto config = small_config(dir.file("audit.jsonl"), 100);
    Harness harness;
    harness.task.start_with(config);
    while (harness.poll() != sdk::SourceTask::PollResult::End) {
    }
    for (uint64_t correlation : harness.pending) {
        if (correlation % 10 == 3)
            harness.task.on_delivered(correlation, -1, -1, "Broker: Topic authorization failed");
        else
            harness.confirm(correlation);
    }
    harness.task.commit();
    harness.task.stop();

    const auto lines = parse_lines(config.audit_log);
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
    EXPECT_TRUE(harness.logged("was not delivered: Broker: Topic authorization failed"));
}

TEST(SimulatorTask, RecordsWithoutAReportAtStopHaveNoLineAndGoOutAgainAtTheNextStart) {
    TempDir dir;
    const auto config = small_config(dir.file("audit.jsonl"), 50);
    Harness first;
    first.task.start_with(config);
    first.poll();
    ASSERT_EQ(first.pending.size(), 50u);
    for (size_t i = 0; i < 50; i += 2) first.confirm(first.pending[i]);
    first.task.stop();
    EXPECT_TRUE(first.logged("25 records had no delivery report when the task stopped"));

    auto lines = parse_lines(config.audit_log);
    ASSERT_EQ(lines.size(), 25u) << "no line for an unknown outcome, and no completion line";
    for (const auto& line : lines) EXPECT_EQ(line.at("seq").as_int64() % 2, 0);

    // Their outcome is unknown: the next start sends exactly them again, with their seqs.
    Harness second;
    second.task.start_with(config);
    second.run_to_end();
    second.task.commit();
    second.task.stop();
    ASSERT_EQ(second.emitted.size(), 25u);
    for (size_t i = 0; i < 25; ++i) {
        const Emitted& again = second.emitted[i];
        const Emitted& before = first.emitted.at(2 * i + 1);
        EXPECT_EQ(again.correlation, before.correlation);
        EXPECT_EQ(again.key, before.key);
        EXPECT_EQ(again.value, before.value);
    }
    lines = parse_lines(config.audit_log);
    ASSERT_EQ(lines.size(), 51u);
    EXPECT_EQ(lines.back().at("totals").at("records").as_int64(), 50);
    EXPECT_EQ(lines.back().at("totals").at("confirmed").as_int64(), 50);
}

TEST(SimulatorTask, AStoppedUnfinishedStreamHasNoCompletionLine) {
    TempDir dir;
    auto config = small_config(dir.file("audit.jsonl"), 0);
    config.max_in_flight = 10;
    Harness harness;
    harness.task.start_with(config);
    harness.poll();
    harness.confirm_all();
    harness.task.stop();
    const auto lines = parse_lines(config.audit_log);
    ASSERT_EQ(lines.size(), 10u);
    for (const auto& line : lines) EXPECT_FALSE(line.contains("complete"));
}

TEST(SimulatorTask, DurationEndsAnUnboundedStream) {
    TempDir dir;
    auto config = small_config(dir.file("audit.jsonl"), 0);
    config.duration_ms = 100;
    config.rate = 1000;
    Harness harness;
    harness.task.start_with(config);
    harness.run_to_end();
    harness.task.commit();
    harness.task.stop();
    EXPECT_GT(harness.emitted.size(), 0u);
    const auto lines = parse_lines(config.audit_log);
    ASSERT_EQ(lines.size(), harness.emitted.size() + 1);
    EXPECT_TRUE(lines.back().at("complete").as_bool());
}

TEST(SimulatorTask, RateCapsEmission) {
    TempDir dir;
    auto config = small_config(dir.file("audit.jsonl"), 0);
    config.rate = 500;
    Harness harness;
    harness.task.start_with(config);
    const auto started = Clock::now();
    while (harness.emitted.size() < 20) {
        harness.poll();
        harness.confirm_all();
        ASSERT_LT(Clock::now() - started, std::chrono::seconds(10));
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    EXPECT_LE(static_cast<double>(harness.emitted.size()), config.rate * elapsed + 2);
}

TEST(SimulatorTask, LogsProgress) {
    TempDir dir;
    auto config = small_config(dir.file("audit.jsonl"), 0);
    config.progress_interval_ms = 1;
    config.max_in_flight = 10;
    Harness harness;
    harness.task.start_with(config);
    const auto started = Clock::now();
    while (!harness.logged("progress: produced=")) {
        harness.poll();
        harness.confirm_all();
        ASSERT_LT(Clock::now() - started, std::chrono::seconds(10));
    }
    EXPECT_TRUE(harness.logged("confirmed="));
    EXPECT_TRUE(harness.logged("failed="));
    EXPECT_TRUE(harness.logged("/s"));
}

TEST(SimulatorTask, UnknownReportsAreWarnedAboutAndIgnored) {
    TempDir dir;
    Harness harness;
    harness.task.start_with(small_config(dir.file("audit.jsonl"), 10));
    harness.poll();
    harness.task.on_delivered(12345, 0, 0, {});
    EXPECT_TRUE(harness.logged("unknown or already settled record 12345"));
    harness.confirm(0);
    harness.confirm(0);
    EXPECT_EQ(harness.task.in_flight(), 9u);
}

// start() through the SDK's Config, as the runner calls it: every key present, defaults filled in.
void start_with_strings(Harness& harness, const std::map<std::string, std::string>& overrides) {
    std::map<std::string, std::string> values;
    for (const ingest_config_key& key : config_def().table()) values[key.name] = key.default_value;
    for (const auto& [name, value] : overrides) values[name] = value;
    harness.task.start(sdk::OwnedConfig(values).config());
}

TEST(SimulatorTask, StartRefusesBadConfigNamingEveryProblem) {
    Harness harness;
    try {
        start_with_strings(harness, {{"event.types", "page_view:60,click"},
                                     {"malformed.rate", "0.9"},
                                     {"late.threshold.ms", "5000"},
                                     {"ontime.delay.max.ms", "6000"}});
        FAIL() << "bad config accepted";
    } catch (const sdk::FatalError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("key 'event.types': entry 2 'click' has no weight"), std::string::npos) << message;
        EXPECT_NE(message.find("sum to"), std::string::npos) << message;
        EXPECT_NE(message.find("key 'ontime.delay.max.ms': is 6000"), std::string::npos) << message;
    }
}

TEST(SimulatorTask, StartAcceptsTheTableDefaults) {
    TempDir dir;
    Harness harness;
    start_with_strings(harness, {{"audit.log", dir.file("audit.jsonl")}, {"events", "10"}});
    harness.run_to_end();
    harness.task.commit();
    EXPECT_EQ(harness.emitted.size(), 10u);
    EXPECT_EQ(read_lines(dir.file("audit.jsonl")).size(), 11u);
}

TEST(SimulatorTask, AnImpossibleTaskNumberIsRefused) {
    Harness harness(2, 2);
    try {
        harness.task.start_with(SimulatorConfig{});
        FAIL() << "task 2 of 2 started";
    } catch (const sdk::FatalError& e) {
        EXPECT_NE(std::string(e.what()).find("task 2 of 2"), std::string::npos) << e.what();
    }
}

TEST(SimulatorTask, FewerEventsThanTasksIsRefused) {
    Harness harness(0, 4);
    try {
        harness.task.start_with(small_config("", 3));
        FAIL() << "3 events were split over 4 tasks";
    } catch (const sdk::FatalError& e) {
        EXPECT_NE(std::string(e.what()).find("events"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("tasks.max"), std::string::npos) << e.what();
    }
}

// Runs task `task` of `tasks` over `config` to its end; returns what it emitted.
std::vector<Emitted> run_task(const SimulatorConfig& config, int32_t task, int32_t tasks) {
    Harness harness(task, tasks);
    harness.task.start_with(config);
    harness.run_to_end();
    harness.task.commit();
    harness.task.stop();
    return harness.emitted;
}

uint64_t completion_total(const std::string& path, std::string_view name) {
    const auto lines = parse_lines(path);
    const auto& totals = lines.back().at("totals").as_object();
    return static_cast<uint64_t>(totals.at(name).as_int64());
}

TEST(SimulatorTask, TasksShareTheStreamWithTheirOwnAuditLogs) {
    TempDir dir;
    const auto config = small_config(dir.file("audit.jsonl"), 10'001);
    const auto first = run_task(config, 0, 2);
    const auto second = run_task(config, 1, 2);

    EXPECT_EQ(first.size(), 5001u);
    EXPECT_EQ(second.size(), 5000u);
    EXPECT_FALSE(std::filesystem::exists(config.audit_log)) << "N > 1 writes only task files";
    EXPECT_EQ(completion_total(config.audit_log + ".0", "records"), 5001u);
    EXPECT_EQ(completion_total(config.audit_log + ".1", "records"), 5000u);
    EXPECT_EQ(completion_total(config.audit_log + ".0", "confirmed") +
                  completion_total(config.audit_log + ".1", "confirmed"),
              config.events);

    // Every event id belongs to one task: each task's follow-ups (duplicates, corrections,
    // deletions) refer to its own creates. Malformed keys are not event ids; skip them.
    auto event_ids = [](const std::vector<Emitted>& records) {
        std::set<std::string> ids;
        for (const auto& record : records)
            if (record.key.size() == 36) ids.insert(record.key);
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
    const auto config = small_config(dir.file("audit.jsonl"), 2'000);
    // Each run in its own directory: a run that found the previous one's audit log would continue
    // it (here: find it complete and send nothing).
    int runs = 0;
    auto run = [&](int32_t task, int32_t tasks) {
        SimulatorConfig fresh = config;
        fresh.audit_log = dir.file("run-" + std::to_string(++runs) + "/audit.jsonl");
        std::vector<std::pair<std::string, std::optional<std::string>>> out;
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

TEST(SimulatorTask, OneTaskKeepsTheConfiguredStreamAndPath) {
    SimulatorConfig config = default_config();
    config.events = 7;
    config.seed = 5;
    config.rate = 100;
    config.audit_log = "/tmp/a.jsonl";
    const SimulatorConfig share = task_share(config, 0, 1);
    EXPECT_EQ(share.events, 7u);
    EXPECT_EQ(share.seed, 5);
    EXPECT_EQ(share.rate, 100);
    EXPECT_EQ(share.audit_log, "/tmp/a.jsonl");

    const SimulatorConfig third = task_share(config, 2, 3);
    EXPECT_EQ(third.events, 2u);
    EXPECT_EQ(task_share(config, 0, 3).events, 3u);
    EXPECT_NE(third.seed, 5);
    EXPECT_NE(third.seed, task_share(config, 1, 3).seed);
    EXPECT_DOUBLE_EQ(third.rate, 100.0 / 3);
    EXPECT_EQ(third.audit_log, "/tmp/a.jsonl.2");
    EXPECT_EQ(task_audit_path("", 1, 3), "");
}

TEST(SimulatorTask, WithoutAnAuditLogItWarns) {
    Harness harness;
    auto config = small_config("", 10);
    harness.task.start_with(config);
    EXPECT_TRUE(harness.logged("no audit log"));
    harness.run_to_end();
    harness.task.commit();
    harness.task.stop();
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
