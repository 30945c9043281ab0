// Splitting a batch's partitions among a task's writers. Pure logic, unit-tested.
//
// A partition is never split: its records and its offset commit in one transaction (exactly-once
// per partition), so the unit of work is the partition, and a batch can be spread over at most as
// many writers as it has partitions. Groups are balanced by record count, the largest partitions
// placed first, each into the group with the fewest records so far (LPT scheduling: the largest
// group has at most 4/3 of the optimum), so that a batch dominated by a few partitions still keeps
// every writer as busy as the partitions allow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ingest::plugins::sink_postgres {

// The group (0 .. groups-1) of each partition, given its record count in the batch. Deterministic:
// ties go to the lower partition index and the lower group. Groups may be left empty (fewer
// partitions than groups); `groups` 0 counts as 1.
std::vector<uint32_t> assign_partition_groups(std::span<const size_t> records_per_partition, uint32_t groups);

}  // namespace ingest::plugins::sink_postgres
