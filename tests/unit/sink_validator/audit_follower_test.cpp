// The audit log follower: which files it reads (audit.log.tasks, or the source's stream file),
// and that it folds them on its own thread until they are complete.
#include "audit_follower.hpp"
#include "scenario.hpp"
#include "shared/user_events/stream_file.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace ingest::plugins::sink_validator {
namespace {

using namespace std::chrono_literals;
using testing::Event;
using testing::event_id;
using testing::Scenario;
namespace events = shared::user_events;

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const std::string& line : lines) out << line << '\n';
}

void write_stream(const std::string& audit_path, int32_t task, int32_t tasks) {
    events::StreamDescription description;
    description.task = task;
    description.tasks = tasks;
    description.keys = {{"events", "3"}};
    events::write_stream_file(events::stream_file_path(audit_path), description);
}

// Polls the follower's progress until `done` holds or 10 s pass.
template <typename Done>
AuditFollower::Progress wait_for(const AuditFollower& follower, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    AuditFollower::Progress progress = follower.progress();
    while (!done(progress) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
        progress = follower.progress();
    }
    return progress;
}

AuditFollower::Options options_for(const std::string& audit, int64_t tasks) {
    AuditFollower::Options options;
    options.audit_log = audit;
    options.tasks = tasks;
    return options;
}

Scenario task_stream(int first_id, int32_t partition) {
    Scenario scenario;
    scenario.send(Intent::Create, Event{event_id(first_id)}, partition, 0)
        .send(Intent::Create, Event{event_id(first_id + 1)}, partition, 1)
        .tombstone(event_id(first_id), partition, 2);
    return scenario;
}

TEST(AuditFollower, ReadsOneTaskCountFromItsStreamFile) {
    ingest::testing::TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    AuditFollower follower(options_for(audit, 0));
    follower.start();
    AuditFollower::Progress progress =
        wait_for(follower, [](const auto& p) { return p.not_known.find(".stream") != std::string::npos; });
    EXPECT_FALSE(progress.known);
    EXPECT_FALSE(progress.complete) << "no files known is never complete";
    EXPECT_NE(progress.not_known.find(audit + ".stream"), std::string::npos) << progress.not_known;

    write_stream(audit, 0, 1);
    write_lines(audit, task_stream(1, 0).audit_lines());
    progress = wait_for(follower, [](const auto& p) { return p.complete; });
    ASSERT_TRUE(progress.complete);
    EXPECT_EQ(follower.paths(), std::vector<std::string>{audit});
    EXPECT_EQ(progress.records, 3);
    const ExpectedState& expected = follower.finish();
    EXPECT_EQ(expected.counts.expected_rows, 1);
    EXPECT_EQ(expected.counts.deleted, 1);
    const auto log = follower.take_log();
    ASSERT_FALSE(log.empty());
    EXPECT_NE(log.front().text.find("1 source task(s), from stream file " + audit + ".stream"),
              std::string::npos);
}

TEST(AuditFollower, ReadsSeveralTasksCountFromTheFirstStreamFile) {
    ingest::testing::TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    AuditFollower follower(options_for(audit, 0));
    follower.start();
    write_stream(audit + ".0", 0, 2);
    write_lines(audit + ".0", task_stream(1, 0).audit_lines());
    AuditFollower::Progress progress = wait_for(follower, [](const auto& p) { return p.known; });
    ASSERT_TRUE(progress.known);
    EXPECT_FALSE(progress.found);
    EXPECT_EQ(progress.missing_path, audit + ".1");
    EXPECT_FALSE(progress.complete) << "task 1's log is not there yet";

    write_stream(audit + ".1", 1, 2);
    write_lines(audit + ".1", task_stream(10, 1).audit_lines());
    progress = wait_for(follower, [](const auto& p) { return p.complete; });
    ASSERT_TRUE(progress.complete);
    EXPECT_EQ(follower.paths(), (std::vector<std::string>{audit + ".0", audit + ".1"}));
    EXPECT_EQ(follower.finish().counts.expected_rows, 2);
}

TEST(AuditFollower, AnExplicitCountThatTheStreamFileContradictsFails) {
    ingest::testing::TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    write_stream(audit + ".0", 0, 3);
    write_lines(audit + ".0", task_stream(1, 0).audit_lines());
    AuditFollower follower(options_for(audit, 2));
    follower.start();
    const AuditFollower::Progress progress = wait_for(follower, [](const auto& p) { return p.failure.has_value(); });
    ASSERT_TRUE(progress.failure);
    EXPECT_NE(progress.failure->find("says task 0 of 3, but audit.log.tasks is 2"), std::string::npos)
        << *progress.failure;
}

TEST(AuditFollower, TwoKindsOfStreamFileAreNotGuessed) {
    ingest::testing::TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    write_stream(audit, 0, 1);
    write_stream(audit + ".0", 0, 2);
    AuditFollower follower(options_for(audit, 0));
    follower.start();
    const AuditFollower::Progress progress =
        wait_for(follower, [](const auto& p) { return p.not_known.find("both") != std::string::npos; });
    EXPECT_FALSE(progress.known);
    EXPECT_NE(progress.not_known.find("set audit.log.tasks"), std::string::npos) << progress.not_known;
}

TEST(AuditFollower, ABadLineFailsNamingTheFileAndLine) {
    ingest::testing::TempDir dir;
    const std::string audit = dir.file("audit.jsonl");
    write_lines(audit, {"{oops"});
    AuditFollower follower(options_for(audit, 1));
    follower.start();
    const AuditFollower::Progress progress = wait_for(follower, [](const auto& p) { return p.failure.has_value(); });
    ASSERT_TRUE(progress.failure);
    EXPECT_EQ(progress.failure->rfind("audit log " + audit + " line 1: not JSON", 0), 0u) << *progress.failure;
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
