#include "audit_log.hpp"
#include "temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

namespace ingest::plugins::source_event_simulator {
namespace {

using ingest::testing::read_file;
using ingest::testing::read_lines;
using ingest::testing::TempDir;

boost::json::object parse_line(const std::string& line) {
    return boost::json::parse(line).as_object();
}

TEST(AuditLog, LinesRoundTripThroughAJsonParser) {
    TempDir dir;
    const std::string path = dir.file("nested/dir/audit.jsonl");
    // Values carry quotes, backslashes and control characters: what malformed records may hold.
    const std::string tricky = "{\"a\":\"b\\\\c\"\n\t\x01 trailing \x7f";
    {
        AuditLog log;
        log.open(path, 100);
        log.confirmed(0, Intent::Create, "11111111-1111-4111-8111-111111111111",
                      std::string_view(R"({"event_id":"x","revision":0})"), 3, 1234);
        log.confirmed(1, Intent::Delete, "22222222-2222-4222-8222-222222222222", std::nullopt, 5, 0);
        log.failed(2, Intent::Malformed, "bad \"key\"", std::string_view(tricky),
                   "Broker: Message size too large");
        AuditTotals totals;
        totals.records = 3;
        totals.confirmed = 2;
        totals.failed = 1;
        totals.by_intent[size_t(Intent::Create)] = 1;
        totals.by_intent[size_t(Intent::Delete)] = 1;
        totals.by_intent[size_t(Intent::Malformed)] = 1;
        log.complete(totals);
        log.close();
    }
    const auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 4u);

    const auto create = parse_line(lines[0]);
    EXPECT_EQ(create.at("seq").as_int64(), 0);
    EXPECT_EQ(create.at("intent").as_string(), "create");
    EXPECT_EQ(create.at("key").as_string(), "11111111-1111-4111-8111-111111111111");
    EXPECT_EQ(create.at("value").as_string(), R"({"event_id":"x","revision":0})");
    EXPECT_EQ(create.at("partition").as_int64(), 3);
    EXPECT_EQ(create.at("offset").as_int64(), 1234);
    EXPECT_EQ(create.at("status").as_string(), "confirmed");
    EXPECT_FALSE(create.contains("error"));

    const auto tombstone = parse_line(lines[1]);
    EXPECT_EQ(tombstone.at("intent").as_string(), "delete");
    EXPECT_TRUE(tombstone.at("value").is_null());
    EXPECT_EQ(tombstone.at("offset").as_int64(), 0);

    const auto failed = parse_line(lines[2]);
    EXPECT_EQ(failed.at("intent").as_string(), "malformed");
    EXPECT_EQ(failed.at("key").as_string(), "bad \"key\"");
    EXPECT_EQ(failed.at("value").as_string(), tricky);
    EXPECT_EQ(failed.at("partition").as_int64(), -1);
    EXPECT_EQ(failed.at("offset").as_int64(), -1);
    EXPECT_EQ(failed.at("status").as_string(), "failed");
    EXPECT_EQ(failed.at("error").as_string(), "Broker: Message size too large");

    const auto complete = parse_line(lines[3]);
    EXPECT_TRUE(complete.at("complete").as_bool());
    const auto& totals = complete.at("totals").as_object();
    EXPECT_EQ(totals.at("records").as_int64(), 3);
    EXPECT_EQ(totals.at("confirmed").as_int64(), 2);
    EXPECT_EQ(totals.at("failed").as_int64(), 1);
    for (auto name : shared::user_events::kIntentNames) EXPECT_TRUE(totals.contains(name)) << name;
    EXPECT_EQ(totals.at("delete").as_int64(), 1);
    EXPECT_EQ(totals.at("duplicate").as_int64(), 0);
}

TEST(AuditLog, WritesInChunksOfFlushLines) {
    TempDir dir;
    const std::string path = dir.file("audit.jsonl");
    AuditLog log;
    log.open(path, 3);
    log.confirmed(0, Intent::Create, "k0", std::string_view("v"), 0, 0);
    log.confirmed(1, Intent::Create, "k1", std::string_view("v"), 0, 1);
    EXPECT_EQ(read_file(path), "") << "nothing reaches the file before the chunk is full";
    log.confirmed(2, Intent::Create, "k2", std::string_view("v"), 0, 2);
    EXPECT_EQ(read_lines(path).size(), 3u);
    log.confirmed(3, Intent::Create, "k3", std::string_view("v"), 0, 3);
    EXPECT_EQ(read_lines(path).size(), 3u);
    log.flush();
    EXPECT_EQ(read_lines(path).size(), 4u);
    EXPECT_EQ(log.buffered_bytes(), 0u);
}

TEST(AuditLog, WhatWasWrittenSurvivesACrash) {
    TempDir dir;
    const std::string path = dir.file("audit.jsonl");
    // The child dies without destructors or a final flush, as a crashed process would.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        AuditLog log;
        log.open(path, 2);
        log.confirmed(0, Intent::Create, "k0", std::string_view("v"), 0, 0);
        log.confirmed(1, Intent::Create, "k1", std::string_view("v"), 0, 1);
        log.confirmed(2, Intent::Create, "k2", std::string_view("v"), 0, 2);
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    const auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 2u) << "the flushed chunk, and nothing of the unflushed line";
    for (const auto& line : lines) EXPECT_NO_THROW(boost::json::parse(line));
}

TEST(AuditLog, OpeningKeepsTheLogAndAppends) {
    TempDir dir;
    const std::string path = dir.file("audit.jsonl");
    {
        AuditLog log;
        log.open(path, 1);
        log.confirmed(0, Intent::Create, "old", std::string_view("v"), 0, 0);
    }
    AuditLog log;
    log.open(path, 1);
    EXPECT_TRUE(log.is_regular_file());
    log.confirmed(1, Intent::Create, "new", std::string_view("v"), 0, 1);
    const auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(parse_line(lines[0]).at("key").as_string(), "old");
    EXPECT_EQ(parse_line(lines[1]).at("key").as_string(), "new");
}

TEST(AuditLog, ReadsBackItsCompleteLinesAndCountsTheTornTail) {
    TempDir dir;
    const std::string path = dir.file("audit.jsonl");
    {
        std::ofstream out(path, std::ios::binary);
        out << "first\n\nthird\n{\"seq\":3,\"in";  // killed in the middle of the fourth line
    }
    AuditLog log;
    log.open(path, 1);
    std::vector<std::string> lines;
    std::vector<uint64_t> numbers;
    const uint64_t complete = log.read_lines([&](std::string_view line, uint64_t number) {
        lines.emplace_back(line);
        numbers.push_back(number);
    });
    EXPECT_EQ(lines, (std::vector<std::string>{"first", "", "third"}));
    EXPECT_EQ(numbers, (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_EQ(complete, 13u);
    EXPECT_EQ(log.size(), 13u + 12u);

    log.truncate(complete);
    log.confirmed(3, Intent::Create, "k", std::string_view("v"), 0, 0);
    log.flush();
    const auto after = read_lines(path);
    ASSERT_EQ(after.size(), 4u);
    EXPECT_EQ(parse_line(after[3]).at("seq").as_int64(), 3);
}

TEST(AuditLog, ReadsLinesLongerThanOneChunk) {
    TempDir dir;
    const std::string path = dir.file("audit.jsonl");
    const std::string longer(3u << 20, 'x');
    {
        std::ofstream out(path, std::ios::binary);
        out << "a\n" << longer << "\nb\n";
    }
    AuditLog log;
    log.open(path, 1);
    std::vector<size_t> sizes;
    EXPECT_EQ(log.read_lines([&](std::string_view line, uint64_t) { sizes.push_back(line.size()); }),
              longer.size() + 5);
    EXPECT_EQ(sizes, (std::vector<size_t>{1, longer.size(), 1}));
}

TEST(AuditLog, OneWriterAtATime) {
    TempDir dir;
    const std::string path = dir.file("audit.jsonl");
    AuditLog first;
    first.open(path, 1);
    AuditLog second;
    try {
        second.open(path, 1);
        FAIL() << "a second writer opened the log";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("is open in another task"), std::string::npos) << e.what();
    }
    first.close();
    EXPECT_NO_THROW(second.open(path, 1));
}

TEST(AuditLog, ADeviceIsNotARegularFile) {
    AuditLog log;
    log.open("/dev/null", 1);
    EXPECT_FALSE(log.is_regular_file());
}

TEST(AuditLog, AnUnwritablePathIsNamedInTheError) {
    TempDir dir;
    const std::string blocker = dir.file("file");
    { AuditLog log; log.open(blocker, 1); }
    AuditLog log;
    try {
        log.open(blocker + "/audit.jsonl", 1);
        FAIL() << "opened a path under a regular file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(blocker), std::string::npos) << e.what();
    }
}

TEST(AuditLog, AClosedLogIgnoresRecords) {
    AuditLog log;
    EXPECT_NO_THROW(log.confirmed(0, Intent::Create, "k", std::string_view("v"), 0, 0));
    EXPECT_NO_THROW(log.sync());
    EXPECT_EQ(log.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
