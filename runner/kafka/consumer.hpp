// A group consumer with manual offsets. Rebalances are handed to a listener on the polling
// thread, so a sink can tell where each assigned partition resumes.
#pragma once

#include "kafka/client.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ingest::kafka {

struct PartitionOffset {
    std::string topic;
    int32_t partition;
    int64_t offset;  // next offset to consume; RD_KAFKA_OFFSET_INVALID when unknown
};

class RebalanceListener {
   public:
    virtual ~RebalanceListener() = default;
    // Fill in where each partition resumes; RD_KAFKA_OFFSET_INVALID means "the group's committed
    // offset, else the beginning".
    virtual void on_assigned(std::vector<PartitionOffset>& partitions) = 0;
    virtual void on_revoked(const std::vector<PartitionOffset>& partitions) = 0;
};

struct MessageDeleter {
    void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

class Consumer {
   public:
    Consumer(const std::string& bootstrap, const std::string& group, const Properties& overrides,
             RebalanceListener& listener);
    ~Consumer();

    void subscribe(const std::vector<std::string>& topics);
    // One message or error event, or nullptr after `timeout_ms`.
    Message poll(int timeout_ms);
    // Synchronous commit of the given next offsets to the group.
    void commit(const std::vector<PartitionOffset>& offsets);
    void close();

    std::vector<PartitionOffset> assignment() const;
    rd_kafka_t* handle() const { return handle_.get(); }

   private:
    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions, void* opaque);
    std::vector<PartitionOffset> committed_or_beginning(std::vector<PartitionOffset> partitions);

    RebalanceListener& listener_;
    Handle handle_;
    bool closed_ = false;
};

}  // namespace ingest::kafka
