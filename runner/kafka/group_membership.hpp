// Membership of a consumer group as a lease: the group's assignment of one topic's partitions says
// which member holds which partition, and Kafka's group protocol detects members that leave or die
// (session timeout). Nothing is read from the topic. Cluster mode's workers hold "task slots" this
// way (cluster/).
//
// The assignor is roundrobin under the eager protocol: a membership change first revokes every
// partition from every member, then hands them all out again, partition i to the i-th member modulo
// their count. So no partition is ever held by two members of one generation, and the low
// partitions spread evenly over the members.
#pragma once

#include "kafka/client.hpp"

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace ingest::kafka {

class GroupMembership {
   public:
    // What the member holds now: called on the membership's thread, with every partition it was
    // given, and with none before they are taken away (revocation waits for it to return, so a
    // holder stops using a partition before anyone else gets it).
    using OnAssignment = std::function<void(const std::vector<int32_t>& partitions)>;

    GroupMembership(const std::string& bootstrap, const std::string& group, std::string topic,
                    const Properties& overrides, OnAssignment on_assignment);
    // leave()
    ~GroupMembership();
    GroupMembership(const GroupMembership&) = delete;
    GroupMembership& operator=(const GroupMembership&) = delete;

    // Leaves the group (its partitions go to the other members at once) and waits for that.
    void leave();

   private:
    static void on_rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                             void* opaque);
    void run();

    const std::string group_;
    const std::string topic_;
    const OnAssignment on_assignment_;
    Handle handle_;
    std::atomic<bool> leaving_{false};
    std::thread thread_;
};

}  // namespace ingest::kafka
