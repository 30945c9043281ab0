// The expected state beyond its memory budget: per-id states spill to files, and the comparison
// joins the table with them bucket by bucket. Whatever spills, the verdict must be the same as in
// memory: same counts, same findings.
#include "fingerprint.hpp"
#include "key_store.hpp"
#include "reconcile.hpp"
#include "scenario.hpp"
#include "shared/user_events/uuid.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

namespace ingest::plugins::sink_validator {
namespace {

using shared::user_events::parse_uuid;
using testing::Event;
using testing::event_id;
using testing::Scenario;

ExpectedOptions spilling(const ingest::testing::TempDir& dir) {
    ExpectedOptions options;
    options.memory_budget_bytes = 1;  // every bucket spills as soon as it holds an id
    options.work_directory = dir.path().string();
    return options;
}

void expect_same(const Report& spilled, const Report& in_memory) {
    EXPECT_EQ(spilled.passed(), in_memory.passed());
    EXPECT_EQ(spilled.to_json().at("counts"), in_memory.to_json().at("counts"));
    for (size_t i = 0; i < kDiscrepancyCount; ++i) {
        const auto discrepancy = static_cast<Discrepancy>(i);
        EXPECT_EQ(spilled.finding(discrepancy).count, in_memory.finding(discrepancy).count)
            << discrepancy_name(discrepancy);
    }
}

// A stream of every kind of record over a few partitions, with lines written in delivery order
// per partition except for some ids whose lines come out of order.
Scenario random_stream(uint32_t seed, int ids) {
    std::mt19937 random(seed);
    Scenario scenario;
    std::vector<int64_t> next_offset(4, 0);
    std::vector<Event> events;
    for (int i = 0; i < ids; ++i) {
        Event event{event_id(i + 1)};
        event.user = "user-" + std::to_string(random() % 50);
        events.push_back(event);
    }
    for (int step = 0; step < ids * 3; ++step) {
        Event& event = events[random() % events.size()];
        const auto partition = static_cast<int32_t>(std::hash<std::string>()(event.id) % 4);
        const int64_t offset = next_offset[static_cast<size_t>(partition)]++;
        switch (random() % 10) {
            case 0:
                scenario.tombstone(event.id, partition, offset);
                break;
            case 1:
                scenario.record(Intent::Malformed, "bad-" + std::to_string(step), "{", partition, offset);
                break;
            case 2:
            case 3:
                event = event.revised(event.revision + 1);
                scenario.send(Intent::Correct, event, partition, offset);
                break;
            case 4:
                scenario.send(Intent::Duplicate, event.revised(std::max<int64_t>(0, event.revision - 1)),
                              partition, offset);
                break;
            default:
                scenario.send(Intent::Create, event, partition, offset);
                break;
        }
    }
    return scenario;
}

// Lines in a shuffled order (a source never writes them so, but the truth must not depend on it).
std::vector<std::string> shuffled_lines(const Scenario& scenario, uint32_t seed) {
    std::vector<std::string> lines = scenario.audit_lines();
    std::mt19937 random(seed);
    std::shuffle(lines.begin(), lines.end() - 1, random);  // the completion line stays last
    return lines;
}

TEST(Spill, TheVerdictIsTheSameWhenEveryBucketSpills) {
    ingest::testing::TempDir dir;
    const Scenario scenario = random_stream(7, 2'000);
    const ExpectedState in_memory = scenario.expected();
    const ExpectedState spilled = scenario.expected(30'000'000, spilling(dir));
    EXPECT_EQ(in_memory.keys().spilled_buckets(), 0u);
    EXPECT_EQ(spilled.keys().spilled_buckets(), KeyStore::kBuckets);
    EXPECT_LE(spilled.keys().memory_bytes(), 64u * 1024 * KeyStore::kBuckets) << "write buffers only";

    TopicIndex topic = scenario.topic();
    std::vector<TableRow> rows = testing::correct_rows(in_memory);
    const std::vector<Uuid> deletions = testing::correct_deletions(in_memory);
    const Report good = reconcile(spilled, topic, rows, deletions, 10);
    EXPECT_TRUE(good.passed()) << good.summary();
    expect_same(good, reconcile(in_memory, topic, rows, deletions, 10));

    // Break the table in every way the comparison sees, and compare the findings.
    rows[0].fields.user_id = "someone-else";
    rows[1].offset += 1;
    rows.erase(rows.begin() + 2);
    rows.push_back({*parse_uuid(event_id(999'999)), rows[3].fields, 0, 5});
    rows.push_back(rows[4]);
    std::vector<Uuid> fewer_deletions(deletions.begin() + 1, deletions.end());
    fewer_deletions.push_back(*parse_uuid(event_id(999'998)));
    const Report bad = reconcile(spilled, topic, rows, fewer_deletions, 10);
    expect_same(bad, reconcile(in_memory, topic, rows, fewer_deletions, 10));
    EXPECT_EQ(bad.finding(Discrepancy::Mismatched).count, 2);
    EXPECT_EQ(bad.finding(Discrepancy::Missing).count, 1);
    EXPECT_EQ(bad.finding(Discrepancy::Unexpected).count, 2);
    EXPECT_EQ(bad.finding(Discrepancy::DeletionsMissing).count, 1);
    EXPECT_EQ(bad.finding(Discrepancy::DeletionsUnexpected).count, 1);
    // The example's fields come back from the audit log, wherever the id's state was.
    bool named_user_id = false;
    for (const Example& example : bad.finding(Discrepancy::Mismatched).examples)
        for (const FieldDifference& field : example.fields)
            named_user_id |= field.field == "user_id" && field.actual == "someone-else";
    EXPECT_TRUE(named_user_id);
}

TEST(Spill, LinesOutOfOrderGiveTheSameTruthAsLinesInOrder) {
    ingest::testing::TempDir dir;
    const Scenario scenario = random_stream(11, 500);
    const ExpectedState in_order = scenario.expected();
    for (const uint32_t seed : {1u, 2u}) {
        for (const bool spill : {false, true}) {
            ExpectedOptions options = spill ? spilling(dir) : ExpectedOptions{};
            const ExpectedState shuffled = testing::expected_of(shuffled_lines(scenario, seed), options);
            EXPECT_FALSE(shuffled.keys().disordered().empty());
            const std::vector<ExpectedEvent> want = testing::expected_events(in_order);
            ASSERT_EQ(testing::expected_events(shuffled).size(), want.size());
            for (const ExpectedEvent& event : want) {
                const auto got = shuffled.find(event.event_id);
                ASSERT_TRUE(got);
                EXPECT_EQ(got->deleted, event.deleted);
                EXPECT_EQ(got->fields_fingerprint, event.fields_fingerprint);
                EXPECT_EQ(got->revision, event.revision);
                EXPECT_EQ(got->offset, event.offset);
            }
            EXPECT_EQ(shuffled.counts.duplicates, in_order.counts.duplicates);
            EXPECT_EQ(shuffled.counts.expected_rows, in_order.counts.expected_rows);
            EXPECT_EQ(shuffled.counts.deleted, in_order.counts.deleted);
            EXPECT_EQ(shuffled.counts.events, in_order.counts.events);
            EXPECT_EQ(shuffled.counts.late_rows, in_order.counts.late_rows);
        }
    }
}

TEST(Spill, MemoryStaysWithinTheBudget) {
    ingest::testing::TempDir dir;
    KeyStore store(2 << 20, dir.path().string());
    RecordFacts record;
    for (int i = 0; i < 50'000; ++i) {
        record.id = *parse_uuid(event_id(i));
        record.offset = i;
        store.add(record);
        ASSERT_LE(store.memory_bytes(), (2u << 20) + 16u * 1024 * KeyStore::kBuckets);
    }
    EXPECT_GT(store.spilled_buckets(), 0u);
    EXPECT_LT(store.spilled_buckets(), KeyStore::kBuckets);
    for (size_t bucket = 0; bucket < KeyStore::kBuckets; ++bucket)
        if (store.spilled(bucket)) EXPECT_EQ(store.table(bucket).bytes(), 0u) << "a spilled table gives its memory back";
    store.finish();
    EXPECT_EQ(store.counts().events, 50'000);
    EXPECT_TRUE(store.find(*parse_uuid(event_id(49'999))));
    const std::string directory = store.directory();
    EXPECT_TRUE(std::filesystem::exists(directory));
    store = KeyStore();
    EXPECT_FALSE(std::filesystem::exists(directory)) << "spill files go with their store";
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
