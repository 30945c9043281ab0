#include "kafka/admin.hpp"

#include "log/logging.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <thread>

namespace ingest::kafka {
namespace {

struct EventDeleter {
    void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// A producer handle is the cheapest client that can run admin requests; it has the worker's
// properties and the connector's `overrides` (admin.override.*) as every worker client does.
Handle admin_client(const std::string& bootstrap, const Properties& overrides) {
    return make_handle(RD_KAFKA_PRODUCER, client_conf({}, overrides, {{"bootstrap.servers", bootstrap}}));
}

// Runs one admin request on `admin` and returns its result event; throws KafkaError starting with
// `what` when no answer comes or the request as a whole failed. `start` issues the request with the
// options and the queue the answer arrives on.
Event run_admin(rd_kafka_t* admin, const std::string& bootstrap, rd_kafka_admin_op_t op, int timeout_ms,
                const std::string& what,
                const std::function<void(rd_kafka_t*, rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& start) {
    Queue queue(rd_kafka_queue_new(admin));
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(admin, op);
    char error[512];
    rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, error, sizeof error);
    // Only some requests (CreateTopics among them) have an operation timeout; for the others
    // librdkafka refuses the setting and leaves the options as they were.
    rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, error, sizeof error);
    start(admin, options, queue.get());
    Event event(rd_kafka_queue_poll(queue.get(), timeout_ms + 5000));
    rd_kafka_AdminOptions_destroy(options);
    if (!event)
        throw KafkaError(what + ": no answer from " + bootstrap + " within " + std::to_string(timeout_ms) + " ms" +
                         last_error_note(admin));
    if (rd_kafka_event_error(event.get()))
        throw KafkaError(what + ": " + rd_kafka_event_error_string(event.get()));
    return event;
}

// The one group's result of a group-offsets request: its partitions, or KafkaError naming what failed.
std::vector<PartitionOffset> group_partitions(const rd_kafka_group_result_t* const* groups, size_t count,
                                              const std::string& what) {
    if (count != 1) throw KafkaError(what + ": the broker answered for " + std::to_string(count) + " groups, not 1");
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[0]))
        throw KafkaError(what + ": " + rd_kafka_error_string(error));
    std::vector<PartitionOffset> partitions;
    std::string failures;
    if (const auto* list = rd_kafka_group_result_partitions(groups[0]))
        for (int i = 0; i < list->cnt; ++i) {
            const auto& p = list->elems[i];
            if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR)
                failures += (failures.empty() ? "" : "; ") + std::string(p.topic) + "-" + std::to_string(p.partition) +
                            ": " + error_text(p.err);
            else
                partitions.push_back({p.topic, p.partition, p.offset});
        }
    if (!failures.empty()) throw KafkaError(what + ": " + failures);
    return partitions;
}

// " with cleanup.policy=compact, ..." for the spec of `name`, or nothing when it has no configs.
std::string describe_configs_of(const std::vector<TopicSpec>& topics, const std::string& name) {
    std::string text;
    for (const auto& topic : topics)
        if (topic.name == name)
            for (const auto& [config, value] : topic.configs) text += (text.empty() ? " with " : ", ") + config + "=" + value;
    return text;
}

// An existing topic is not altered (Kafka Connect does not either: its settings may be someone
// else's choice), but a spec it does not match is worth a warning: a source that asked for
// cleanup.policy=compact and got a delete topic should not go unnoticed.
void warn_about_differences(rd_kafka_t* admin, const std::string& bootstrap, const TopicSpec& topic, int timeout_ms) {
    if (topic.configs.empty()) return;
    std::map<std::string, std::string> actual;
    try {
        actual = describe_topic_configs(admin, bootstrap, topic.name, timeout_ms);
    } catch (const KafkaError& error) {
        log::warn("kafka") << "topic '" << topic.name << "' exists; cannot compare its configs with the "
                           << "connector's topic.creation.default.* keys: " << error.what();
        return;
    }
    for (const auto& [name, wanted] : topic.configs) {
        const auto found = actual.find(name);
        if (found == actual.end())
            log::warn("kafka") << "topic '" << topic.name << "' exists and is left as it is; the broker does not "
                               << "report its " << name << " (topic.creation.default." << name << "=" << wanted << ")";
        else if (found->second != wanted)
            log::warn("kafka") << "topic '" << topic.name << "' exists and is left as it is: its " << name << " is "
                               << found->second << ", not " << wanted << " as topic.creation.default." << name
                               << " asks (topic creation settings apply only to topics the runner creates)";
    }
}

// The broker lists a new topic's partitions with their leader in its metadata a few milliseconds
// before that leader takes them on: until then it answers NOT_LEADER_FOR_PARTITION. A producer
// that starts in that window has its first batches refused and retried, and an idempotent one can
// then report records as delivered that were never stored (kafka/producer.hpp). So a topic is
// ready once every partition answers a ListOffsets request, which only the partition's leader does.
// Past the deadline it is left to the producer's retries, with a warning.
constexpr int kFoundTopicWaitMs = 5000;

void wait_until_led(rd_kafka_t* admin, const std::string& topic, int partitions, int timeout_ms) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (int32_t partition = 0; partition < partitions; ++partition) {
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            int64_t low = 0, high = 0;
            const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
                admin, topic.c_str(), partition, &low, &high, static_cast<int>(std::clamp<int64_t>(left, 1, 5000)));
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (Clock::now() >= deadline) {
                log::warn("kafka") << "topic '" << topic << "' partition " << partition << " has no leader ready after "
                                   << timeout_ms << " ms (" << error_text(err) << "); producers will retry";
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
}

}  // namespace

std::map<std::string, std::string> describe_topic_configs(rd_kafka_t* handle, const std::string& bootstrap,
                                                          const std::string& topic, int timeout_ms) {
    const std::string what = "cannot describe the configs of topic '" + topic + "'";
    rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    struct Resource {
        rd_kafka_ConfigResource_t* resource;
        ~Resource() { rd_kafka_ConfigResource_destroy(resource); }
    } owned{resource};
    Event event = run_admin(handle, bootstrap, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms, what,
                            [&](rd_kafka_t* admin, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                rd_kafka_DescribeConfigs(admin, &resource, 1, options, queue);
                            });
    size_t count = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
    if (count != 1) throw KafkaError(what + ": the broker answered for " + std::to_string(count) + " resources, not 1");
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[0]); err != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw KafkaError(what + ": " + error_text(err));
    std::map<std::string, std::string> configs;
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** list = rd_kafka_ConfigResource_configs(resources[0], &entries);
    for (size_t i = 0; i < entries; ++i)
        if (const char* value = rd_kafka_ConfigEntry_value(list[i]))
            configs[rd_kafka_ConfigEntry_name(list[i])] = value;
    return configs;
}

int partition_count(rd_kafka_t* handle, const std::string& topic, int timeout_ms) {
    rd_kafka_topic_t* topic_handle = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(handle, 0, topic_handle, &metadata, timeout_ms);
    rd_kafka_topic_destroy(topic_handle);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw KafkaError("cannot read metadata of topic '" + topic + "': " + error_text(err) + last_error_note(handle));
    int count = -1;
    if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        count = metadata->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(metadata);
    return count;
}

void ensure_topics(const std::string& bootstrap, const std::vector<TopicSpec>& topics, const Properties& overrides,
                   int timeout_ms) {
    if (topics.empty()) return;
    Handle admin = admin_client(bootstrap, overrides);

    std::vector<rd_kafka_NewTopic_t*> requests;
    struct Requests {
        std::vector<rd_kafka_NewTopic_t*>& list;
        ~Requests() { rd_kafka_NewTopic_destroy_array(list.data(), list.size()); }
    } owned{requests};
    for (const auto& topic : topics) {
        if (const int partitions = partition_count(admin.get(), topic.name, timeout_ms); partitions > 0) {
            warn_about_differences(admin.get(), bootstrap, topic, timeout_ms);
            // Another worker may have created it a moment ago; an established topic answers at once.
            wait_until_led(admin.get(), topic.name, partitions, std::min(timeout_ms, kFoundTopicWaitMs));
            continue;
        }
        char error[512];
        rd_kafka_NewTopic_t* request = rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions,
                                                              topic.replication_factor, error, sizeof error);
        if (!request) throw KafkaError("topic '" + topic.name + "': " + error);
        requests.push_back(request);
        for (const auto& [name, value] : topic.configs)
            if (rd_kafka_NewTopic_set_config(request, name.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR)
                throw KafkaError("topic '" + topic.name + "': cannot set config " + name + "=" + value);
    }
    if (requests.empty()) return;

    const std::string what = "cannot create topics at " + bootstrap;
    Event event = run_admin(admin.get(), bootstrap, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms, what,
                            [&](rd_kafka_t* handle, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                rd_kafka_CreateTopics(handle, requests.data(), requests.size(), options, queue);
                            });
    std::string failure;
    std::vector<std::string> created;
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
    for (size_t i = 0; i < count; ++i) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        std::string name = rd_kafka_topic_result_name(results[i]);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            log::info("kafka") << "created topic '" << name << "'" << describe_configs_of(topics, name);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            created.push_back(name);
        else
            failure += (failure.empty() ? "" : "; ") + name + ": " + error_text(err);
    }
    if (!failure.empty()) throw KafkaError(what + ": " + failure);
    for (const auto& topic : topics)
        if (std::find(created.begin(), created.end(), topic.name) != created.end())
            wait_until_led(admin.get(), topic.name,
                           topic.partitions > 0 ? topic.partitions : partition_count(admin.get(), topic.name, timeout_ms),
                           timeout_ms);
}

std::vector<PartitionOffset> committed_offsets(const std::string& bootstrap, const std::string& group,
                                               const Properties& overrides, int timeout_ms) {
    const std::string what = "cannot read the committed offsets of group '" + group + "'";
    Handle admin = admin_client(bootstrap, overrides);  // outlives the event it answers with
    Event event = run_admin(admin.get(), bootstrap, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms, what,
                            [&](rd_kafka_t* handle, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                rd_kafka_ListConsumerGroupOffsets_t* request =
                                    rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
                                rd_kafka_ListConsumerGroupOffsets(handle, &request, 1, options, queue);
                                rd_kafka_ListConsumerGroupOffsets_destroy(request);
                            });
    size_t count = 0;
    const auto* groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
    auto partitions = group_partitions(groups, count, what);
    // Partitions without a committed offset are listed with a negative (logical) offset.
    std::erase_if(partitions, [](const PartitionOffset& p) { return p.offset < 0; });
    return partitions;
}

void alter_committed_offsets(const std::string& bootstrap, const std::string& group,
                             const std::vector<PartitionOffset>& offsets, const Properties& overrides,
                             int timeout_ms) {
    if (offsets.empty()) return;
    const std::string what = "cannot alter the committed offsets of group '" + group + "'";
    PartitionList list = to_list(offsets);
    Handle admin = admin_client(bootstrap, overrides);  // outlives the event it answers with
    Event event = run_admin(admin.get(), bootstrap, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms, what,
                            [&](rd_kafka_t* handle, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                rd_kafka_AlterConsumerGroupOffsets_t* request =
                                    rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
                                rd_kafka_AlterConsumerGroupOffsets(handle, &request, 1, options, queue);
                                rd_kafka_AlterConsumerGroupOffsets_destroy(request);
                            });
    size_t count = 0;
    const auto* groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &count);
    group_partitions(groups, count, what);
}

void delete_committed_offsets(const std::string& bootstrap, const std::string& group,
                              const std::vector<PartitionOffset>& partitions, const Properties& overrides,
                              int timeout_ms) {
    if (partitions.empty()) return;
    const std::string what = "cannot delete the committed offsets of group '" + group + "'";
    PartitionList list = to_list(partitions);
    Handle admin = admin_client(bootstrap, overrides);  // outlives the event it answers with
    Event event = run_admin(admin.get(), bootstrap, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, timeout_ms, what,
                            [&](rd_kafka_t* handle, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                rd_kafka_DeleteConsumerGroupOffsets_t* request =
                                    rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get());
                                rd_kafka_DeleteConsumerGroupOffsets(handle, &request, 1, options, queue);
                                rd_kafka_DeleteConsumerGroupOffsets_destroy(request);
                            });
    size_t count = 0;
    const auto* groups = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(event.get()), &count);
    group_partitions(groups, count, what);
}

}  // namespace ingest::kafka
