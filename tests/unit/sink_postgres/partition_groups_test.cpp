#include "partition_groups.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ingest::plugins::sink_postgres {
namespace {

std::vector<size_t> loads(const std::vector<size_t>& records, const std::vector<uint32_t>& group_of, uint32_t groups) {
    std::vector<size_t> load(groups, 0);
    for (size_t p = 0; p < records.size(); ++p) load.at(group_of.at(p)) += records[p];
    return load;
}

TEST(PartitionGroups, OneGroupTakesEverything) {
    EXPECT_EQ(assign_partition_groups(std::vector<size_t>{5, 3, 9}, 1), (std::vector<uint32_t>{0, 0, 0}));
    EXPECT_EQ(assign_partition_groups(std::vector<size_t>{5, 3, 9}, 0), (std::vector<uint32_t>{0, 0, 0}));
}

TEST(PartitionGroups, EvenPartitionsSplitEvenly) {
    const std::vector<size_t> records = {3333, 3334, 3333, 3333, 3334, 3333};
    const auto group_of = assign_partition_groups(records, 2);
    EXPECT_EQ(loads(records, group_of, 2), (std::vector<size_t>{10000, 10000}));
}

TEST(PartitionGroups, TheLargestPartitionsArePlacedFirst) {
    // Round robin in partition order would give {9+4+1, 2+3} = {14, 5}; largest first: {9+1, 4+3+2}.
    const std::vector<size_t> records = {9, 2, 4, 3, 1};
    const auto group_of = assign_partition_groups(records, 2);
    EXPECT_EQ(group_of, (std::vector<uint32_t>{0, 1, 1, 1, 0}));
    EXPECT_EQ(loads(records, group_of, 2), (std::vector<size_t>{10, 9}));
}

TEST(PartitionGroups, ADominantPartitionGetsAGroupOfItsOwn) {
    const std::vector<size_t> records = {100, 5000, 120, 90};
    const auto group_of = assign_partition_groups(records, 2);
    EXPECT_EQ(group_of[1], 0u);
    EXPECT_EQ(loads(records, group_of, 2), (std::vector<size_t>{5000, 310}));
}

TEST(PartitionGroups, FewerPartitionsThanGroupsLeaveGroupsEmpty) {
    const std::vector<size_t> records = {7, 7};
    const auto group_of = assign_partition_groups(records, 4);
    EXPECT_EQ(group_of, (std::vector<uint32_t>{0, 1}));
    EXPECT_TRUE(assign_partition_groups(std::vector<size_t>{}, 3).empty());
}

}  // namespace
}  // namespace ingest::plugins::sink_postgres
