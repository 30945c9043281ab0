#include "kafka/group_membership.hpp"

#include "log/logging.hpp"

namespace ingest::kafka {

GroupMembership::GroupMembership(const std::string& bootstrap, const std::string& group, std::string topic,
                                 const Properties& overrides, OnAssignment on_assignment)
    : group_(group), topic_(std::move(topic)), on_assignment_(std::move(on_assignment)) {
    // Kafka Connect's worker defaults: a worker is gone 10 s after its last heartbeat.
    const Properties defaults = {{"session.timeout.ms", "10000"}, {"heartbeat.interval.ms", "2000"}};
    const Properties guarantees = {
        {"bootstrap.servers", bootstrap},
        {"group.id", group},
        {"partition.assignment.strategy", "roundrobin"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
    };
    Conf conf = client_conf(defaults, overrides, guarantees);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &GroupMembership::on_rebalance);
    handle_ = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
    rd_kafka_poll_set_consumer(handle_.get());
    PartitionList subscription(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(subscription.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto error = rd_kafka_subscribe(handle_.get(), subscription.get()))
        throw KafkaError("cannot join group '" + group + "' on topic '" + topic_ + "': " + error_text(error));
    thread_ = std::thread(&GroupMembership::run, this);
}

GroupMembership::~GroupMembership() { leave(); }

void GroupMembership::leave() {
    leaving_ = true;
    if (thread_.joinable()) thread_.join();
}

void GroupMembership::run() {
    while (!leaving_) {
        // Nothing is ever written to the topic: polling serves the group's heartbeats and rebalances.
        if (rd_kafka_message_t* message = rd_kafka_consumer_poll(handle_.get(), 100)) {
            if (message->err && message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log::warn("cluster") << "group membership: " << rd_kafka_message_errstr(message);
            rd_kafka_message_destroy(message);
        }
    }
    // Revokes through on_rebalance, then leaves the group, or gives up (see close_consumer): a
    // worker stopping must not wait for a rebalance of the cluster.
    if (!close_consumer(handle_.get(), group_, &GroupMembership::on_rebalance, this))
        destroy_without_leaving(std::move(handle_));
}

void GroupMembership::on_rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<GroupMembership*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(handle, partitions);
        std::vector<int32_t> held;
        for (int i = 0; i < partitions->cnt; ++i) held.push_back(partitions->elems[i].partition);
        self->on_assignment_(held);
        return;
    }
    // Revoked (also when lost: this member was thrown out of the group) or an error: stop first.
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
        log::warn("cluster") << "group membership: rebalance error: " << error_text(err);
    else if (rd_kafka_assignment_lost(handle))
        log::warn("cluster") << "this worker lost its task slots (it was out of touch with the group for longer "
                                "than session.timeout.ms)";
    self->on_assignment_({});
    rd_kafka_assign(handle, nullptr);
}

}  // namespace ingest::kafka
