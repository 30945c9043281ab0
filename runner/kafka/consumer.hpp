// A group consumer with manual offsets. Rebalances are handed to a listener on the polling
// thread, so a sink can tell where each assigned partition resumes.
#pragma once

#include "kafka/client.hpp"
#include "kafka/fetch_wake.hpp"
#include "kafka/record_adapter.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ingest::kafka {

// Where an assigned partition resumes, besides a concrete offset.
inline constexpr int64_t kResumeAtCommitted = RD_KAFKA_OFFSET_INVALID;  // the group's offset, else the beginning
inline constexpr int64_t kResumeAtBeginning = RD_KAFKA_OFFSET_BEGINNING;

class RebalanceListener {
   public:
    virtual ~RebalanceListener() = default;
    // Fill in where each partition resumes (each comes in as kResumeAtCommitted). Throwing
    // leaves the partitions unassigned, and the next poll() is a fatal error with its message.
    virtual void on_assigned(std::vector<PartitionOffset>& partitions) = 0;
    virtual void on_revoked(const std::vector<PartitionOffset>& partitions) = 0;
};

class Consumer {
   public:
    // A connector's `overrides` go over the runner's defaults and the worker's properties, under
    // its guarantees (the group, explicit commits, no silent offset reset): client_conf.
    Consumer(const std::string& bootstrap, const std::string& group, const Properties& overrides,
             RebalanceListener& listener);
    ~Consumer();

    void subscribe(const std::vector<std::string>& topics);
    // One message or error event, or Kind::none after `timeout_ms`. Keeps the group membership
    // alive: call it at least every max.poll.interval.ms, paused or not. A fatal error when an
    // assignment could not be positioned (its partitions were left unassigned).
    ConsumerEvent poll(int timeout_ms);
    // Synchronous commit of the given next offsets to the group; throws KafkaError.
    void commit(const std::vector<PartitionOffset>& offsets);
    // Revokes the assignment (through the listener) and leaves the group, waiting at most
    // kLeaveGroupTimeout for the group (close_consumer): a worker waits for its tasks to stop. Past
    // the bound the consumer is dropped without leaving; its group notices after its session.
    void close();

    // Stops fetching from every assigned partition (and from partitions assigned later) while
    // poll() keeps the group membership alive; resume() fetches again from the position after
    // the last message poll() returned.
    void pause();
    void resume();
    bool paused() const { return paused_; }

    std::vector<PartitionOffset> assignment() const;
    // A partition's low and high offsets as the broker reports them; throws KafkaError.
    std::pair<int64_t, int64_t> watermarks(const std::string& topic, int32_t partition) const;
    // The high watermark the last fetch response reported, without asking the broker; nullopt
    // before any fetch of that partition. For monitoring (lag), where a slightly old value is fine.
    std::optional<int64_t> cached_high_watermark(const std::string& topic, int32_t partition) const;
    // Each kResumeAtCommitted offset replaced by the group's committed offset, else
    // kResumeAtBeginning; throws KafkaError.
    std::vector<PartitionOffset> committed_or_beginning(std::vector<PartitionOffset> partitions);

   private:
    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions, void* opaque);

    void apply_pause(bool pause, const std::vector<PartitionOffset>& partitions);
    void wake_fetchers_if_due(size_t message_bytes);

    RebalanceListener& listener_;
    const std::string group_;
    Handle handle_;
    Queue consumer_queue_;
    FetchWake wake_{0};
    Queue wake_answers_;
    bool closed_ = false;
    bool left_group_ = true;  // false when close() gave up waiting for the group
    bool paused_ = false;
    // Why the last assignment could not be positioned; poll() reports it as a fatal error.
    std::string assignment_failure_;
};

}  // namespace ingest::kafka
