#include "cluster/cluster_topics.hpp"

#include <stdexcept>

namespace ingest::cluster {

ClusterTopics ClusterTopics::of(const std::string& cluster) {
    const bool valid = !cluster.empty() && cluster.size() <= 200 &&
                       cluster.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                           std::string::npos;
    if (!valid)
        throw std::invalid_argument("cluster name '" + cluster +
                                    "' is not usable in topic names: use 1-200 letters, digits, '.', '_' or '-'");
    const std::string prefix = "ingest-" + cluster;
    return {prefix + "-configs", prefix + "-status", prefix + "-slots", prefix + "-workers"};
}

std::vector<kafka::TopicSpec> ClusterTopics::specs() const {
    const std::map<std::string, std::string> compacted = {{"cleanup.policy", "compact"}};
    return {{configs, 1, -1, compacted}, {status, 1, -1, compacted}, {slots, kSlots, -1, {}}};
}

}  // namespace ingest::cluster
