#include "batch_collapse.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ingest::plugins::sink_postgres {
namespace {

Uuid id(uint8_t n) {
    Uuid uuid;
    uuid.bytes[15] = n;
    return uuid;
}
EventKey upsert(uint8_t n, int32_t revision, bool valid = true) { return {id(n), false, valid, revision}; }
EventKey tombstone(uint8_t n) { return {id(n), true, true, 0}; }

constexpr PriorState kAbsent{PriorState::Kind::Absent, 0};
constexpr PriorState kDeleted{PriorState::Kind::Deleted, 0};
constexpr PriorState stored(int32_t revision) { return {PriorState::Kind::Stored, revision}; }

// Resolves a batch that holds a single event_id.
GroupResolution resolve(const std::vector<EventKey>& events, PriorState prior) {
    BatchCollapse collapse;
    collapse.build(events);
    EXPECT_EQ(collapse.groups().size(), 1u);
    return resolve_group(collapse.members(collapse.groups()[0]), events, prior);
}

TEST(BatchCollapse, GroupsByEventIdKeepingKafkaOrder) {
    const std::vector<EventKey> events = {upsert(2, 0), upsert(1, 0), upsert(2, 1), tombstone(1),
                                          upsert(3, 0), upsert(2, 2)};
    BatchCollapse collapse;
    collapse.build(events);
    ASSERT_EQ(collapse.groups().size(), 3u);
    std::vector<std::vector<uint32_t>> members;
    for (const auto& group : collapse.groups()) {
        auto span = collapse.members(group);
        members.emplace_back(span.begin(), span.end());
    }
    EXPECT_EQ(members[0], (std::vector<uint32_t>{1, 3}));
    EXPECT_EQ(members[1], (std::vector<uint32_t>{0, 2, 5}));
    EXPECT_EQ(members[2], (std::vector<uint32_t>{4}));
}

TEST(BatchCollapse, EmptyBatch) {
    BatchCollapse collapse;
    collapse.build({});
    EXPECT_TRUE(collapse.groups().empty());
}

TEST(BatchCollapse, ReusedAcrossBatches) {
    BatchCollapse collapse;
    const std::vector<EventKey> first = {upsert(1, 0), upsert(2, 0)};
    const std::vector<EventKey> second = {upsert(3, 0)};
    collapse.build(first);
    collapse.build(second);
    ASSERT_EQ(collapse.groups().size(), 1u);
    EXPECT_EQ(collapse.members(collapse.groups()[0]).size(), 1u);
}

TEST(ResolveGroup, NewEventIsInserted) {
    const auto r = resolve({upsert(1, 0)}, kAbsent);
    EXPECT_EQ(r.action, Action::Insert);
    EXPECT_EQ(r.decisive, 0u);
    EXPECT_EQ(r.inserted, 1u);
}

TEST(ResolveGroup, DuplicateOfStoredRevisionChangesNothing) {
    const auto r = resolve({upsert(1, 2)}, stored(2));
    EXPECT_EQ(r.action, Action::None);
    EXPECT_EQ(r.duplicates, 1u);
    const auto older = resolve({upsert(1, 1)}, stored(2));
    EXPECT_EQ(older.action, Action::None);
    EXPECT_EQ(older.duplicates, 1u);
}

TEST(ResolveGroup, NewerRevisionUpdatesAndInvalidationIsCounted) {
    const auto r = resolve({upsert(1, 1, false)}, stored(0));
    EXPECT_EQ(r.action, Action::Update);
    EXPECT_EQ(r.updated, 1u);
    EXPECT_EQ(r.invalidations, 1u);
}

TEST(ResolveGroup, InBatchVersionsCountAsIfAppliedOneByOne) {
    // create, its duplicate, a correction, a stale correction, another correction
    const auto r = resolve({upsert(1, 0), upsert(1, 0), upsert(1, 2), upsert(1, 1), upsert(1, 3, false)},
                           kAbsent);
    EXPECT_EQ(r.action, Action::Insert) << "one row written, with the last applied version";
    EXPECT_EQ(r.decisive, 4u);
    EXPECT_EQ(r.inserted, 1u);
    EXPECT_EQ(r.updated, 2u);
    EXPECT_EQ(r.duplicates, 2u);
    EXPECT_EQ(r.invalidations, 1u);
}

TEST(ResolveGroup, HighestRevisionWinsRegardlessOfPosition) {
    const auto r = resolve({upsert(1, 5), upsert(1, 3)}, stored(1));
    EXPECT_EQ(r.action, Action::Update);
    EXPECT_EQ(r.decisive, 0u);
    EXPECT_EQ(r.updated, 1u);
    EXPECT_EQ(r.duplicates, 1u);
}

TEST(ResolveGroup, EqualRevisionKeepsTheFirst) {
    const auto r = resolve({upsert(1, 1), upsert(1, 1)}, stored(0));
    EXPECT_EQ(r.decisive, 0u);
    EXPECT_EQ(r.duplicates, 1u);
}

TEST(ResolveGroup, TombstoneDeletesStoredRow) {
    const auto r = resolve({tombstone(1)}, stored(3));
    EXPECT_EQ(r.action, Action::Delete);
    EXPECT_EQ(r.deleted, 1u);
}

TEST(ResolveGroup, TombstoneForUnknownEventIsStillRemembered) {
    const auto r = resolve({tombstone(1)}, kAbsent);
    EXPECT_EQ(r.action, Action::Delete);
    EXPECT_EQ(r.deleted, 1u);
}

TEST(ResolveGroup, TombstoneIsFinalWithinTheBatch) {
    const auto r = resolve({upsert(1, 0), tombstone(1), upsert(1, 0), upsert(1, 7), tombstone(1)},
                           kAbsent);
    EXPECT_EQ(r.action, Action::Delete);
    EXPECT_EQ(r.decisive, 1u);
    EXPECT_EQ(r.inserted, 1u);
    EXPECT_EQ(r.deleted, 1u);
    EXPECT_EQ(r.suppressed_after_delete, 2u);
    EXPECT_EQ(r.duplicates, 1u) << "a repeated tombstone is a duplicate";
}

TEST(ResolveGroup, TombstoneIsFinalAcrossBatches) {
    const auto r = resolve({upsert(1, 0), upsert(1, 9), tombstone(1)}, kDeleted);
    EXPECT_EQ(r.action, Action::None);
    EXPECT_EQ(r.suppressed_after_delete, 2u);
    EXPECT_EQ(r.duplicates, 1u);
    EXPECT_EQ(r.deleted, 0u);
}

TEST(ResolveGroup, ResolvesEachGroupOfAMixedBatch) {
    const std::vector<EventKey> events = {upsert(1, 0), upsert(2, 1), tombstone(3), upsert(2, 2)};
    BatchCollapse collapse;
    collapse.build(events);
    ASSERT_EQ(collapse.groups().size(), 3u);
    const PriorState priors[] = {kAbsent, stored(0), stored(4)};
    std::vector<Action> actions;
    for (size_t g = 0; g < 3; ++g)
        actions.push_back(resolve_group(collapse.members(collapse.groups()[g]), events, priors[g]).action);
    EXPECT_EQ(actions, (std::vector<Action>{Action::Insert, Action::Update, Action::Delete}));
}

}  // namespace
}  // namespace ingest::plugins::sink_postgres
