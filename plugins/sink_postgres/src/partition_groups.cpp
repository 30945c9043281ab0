#include "partition_groups.hpp"

#include <algorithm>
#include <numeric>

namespace ingest::plugins::sink_postgres {

std::vector<uint32_t> assign_partition_groups(std::span<const size_t> records_per_partition, uint32_t groups) {
    groups = std::max<uint32_t>(groups, 1);
    std::vector<uint32_t> group_of(records_per_partition.size(), 0);
    if (groups == 1) return group_of;
    std::vector<uint32_t> order(records_per_partition.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return records_per_partition[a] > records_per_partition[b];
    });
    std::vector<size_t> load(groups, 0);
    for (uint32_t partition : order) {
        const auto lightest = static_cast<uint32_t>(std::min_element(load.begin(), load.end()) - load.begin());
        group_of[partition] = lightest;
        load[lightest] += records_per_partition[partition];
    }
    return group_of;
}

}  // namespace ingest::plugins::sink_postgres
