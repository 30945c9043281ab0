// The C++ plugin SDK: the only header a plugin includes.
//
// It puts Kafka Connect-style base classes (SourceTask, SinkTask) on top of the C boundary in
// plugin_abi.h and turns exceptions into error values at the boundary, so nothing C++ ever crosses
// it. A plugin derives from one base class, declares its settings once (ingest/config.hpp), and
// exports itself with INGEST_SOURCE_PLUGIN or INGEST_SINK_PLUGIN.
//
//   struct MySettings { std::string table; int batch = 0; };
//   inline const ingest::sdk::ConfigDef<MySettings> kConfig = ingest::sdk::ConfigDef<MySettings>()
//       .key("table", &MySettings::table, "events", "Table rows are written to.")
//       .key("batch", &MySettings::batch, 1000, "Rows per statement.").between(1, 100000);
//   class MySink : public ingest::sdk::SinkTask {
//     void start(const ingest::sdk::Config& config) override { settings_ = kConfig.parse(config); }
//     void put(std::span<const ingest::sdk::Record> records) override;
//     MySettings settings_;
//   };
//   INGEST_SINK_PLUGIN(MySink, "sink_mine", "1.0.0", "What it does", kConfig, 0)
//
// Metrics (ABI 1.2): declare them once, in one table whose row index is an enum, pass the table as
// the macro's last argument, and record through host():
//   enum MyMetric : uint32_t { kRowsWritten, kMyMetricCount };
//   inline constexpr ingest_metric_def kMetrics[] = {
//       ingest::sdk::counter_metric("rows_written", "Rows written to the table.")};
//   static_assert(std::size(kMetrics) == kMyMetricCount);
//   ... host().metric_add(kRowsWritten, rows);   // exported as ingest_plugin_sink_mine_rows_written_total
//   INGEST_SINK_PLUGIN(MySink, "sink_mine", "1.0.0", "What it does", kConfig, 0, kMetrics)
#pragma once

#include <ingest/config.hpp>
#include <ingest/plugin_abi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace ingest::sdk {

// ---- records ------------------------------------------------------------------------------------

inline std::string_view view(ingest_bytes bytes) { return {bytes.data ? bytes.data : "", bytes.size}; }

// A read-only view of one consumed record; valid during put() only.
class Record {
   public:
    explicit Record(const ingest_record& raw) : raw_(&raw) {}
    std::string_view topic() const { return raw_->topic; }
    int32_t partition() const { return raw_->partition; }
    int64_t offset() const { return raw_->offset; }
    int64_t timestamp_ms() const { return raw_->timestamp_ms; }
    std::string_view key() const { return view(raw_->key); }
    bool has_key() const { return raw_->key.data != nullptr; }
    bool is_tombstone() const { return raw_->value.data == nullptr; }
    std::string_view value() const { return view(raw_->value); }
    std::optional<std::string_view> header(std::string_view name) const {
        for (size_t i = 0; i < raw_->header_count; ++i)
            if (name == raw_->headers[i].key) return view(raw_->headers[i].value);
        return std::nullopt;
    }
    const ingest_record& raw() const { return *raw_; }

   private:
    const ingest_record* raw_;
};

// A header of a dead letter (Host::dead_letter): views that must outlive only the call.
inline ingest_header header(const char* key, std::string_view value) {
    return {key, {value.data(), value.size()}};
}

// ---- metrics (ABI 1.2) --------------------------------------------------------------------------

// Rows of a plugin's metric table. `name`: [a-z_][a-z0-9_]*, without `_total`.
constexpr ingest_metric_def counter_metric(const char* name, const char* help) {
    return {sizeof(ingest_metric_def), name, help, INGEST_METRIC_COUNTER};
}
constexpr ingest_metric_def gauge_metric(const char* name, const char* help) {
    return {sizeof(ingest_metric_def), name, help, INGEST_METRIC_GAUGE};
}

// ---- the host ----------------------------------------------------------------------------------

class Host {
   public:
    Host() = default;
    explicit Host(const ingest_host* raw) : raw_(raw) {}

    std::string_view connector_name() const { return raw_->connector_name; }
    int32_t task_id() const { return raw_->task_id; }
    int32_t task_count() const { return raw_->task_count; }

    void log(ingest_log_level level, const std::string& message) const {
        raw_->log(raw_->context, level, message.c_str());
    }
    void info(const std::string& message) const { log(INGEST_LOG_INFO, message); }
    void warn(const std::string& message) const { log(INGEST_LOG_WARN, message); }
    void error(const std::string& message) const { log(INGEST_LOG_ERROR, message); }
    void debug(const std::string& message) const { log(INGEST_LOG_DEBUG, message); }

    // Queues the record for the dead-letter topic (sent asynchronously). Throws RetriableError or
    // FatalError when it cannot even be queued.
    void dead_letter(const Record& record, const std::string& reason) const {
        ingest_error error{};
        rethrow(raw_->dead_letter(raw_->context, &record.raw(), reason.c_str(), &error), error);
    }
    // The same with headers of the plugin's own (ABI 1.4), added after the host's; keys must not
    // start with "__connect." (the host's). A host older than 1.4 cannot add them: the record is
    // sent without them, `reason` being all it carries (check dead_letter_headers_supported()).
    void dead_letter(const Record& record, const std::string& reason, std::span<const ingest_header> extra) const {
        if (extra.empty() || !dead_letter_headers_supported()) return dead_letter(record, reason);
        ingest_error error{};
        rethrow(raw_->dead_letter_with_headers(raw_->context, &record.raw(), reason.c_str(), extra.data(),
                                               extra.size(), &error),
                error);
    }
    bool dead_letter_headers_supported() const {
        return raw_ && INGEST_STRUCT_HAS(raw_, ingest_host, dead_letter_with_headers) &&
               raw_->dead_letter_with_headers;
    }
    // Blocks until every queued dead letter is confirmed; throws RetriableError otherwise. Call it
    // before committing anything that counts those records as handled.
    void flush_dead_letters() const {
        ingest_error error{};
        rethrow(raw_->flush_dead_letters(raw_->context, &error), error);
    }

    struct Watermarks {
        int64_t low;
        int64_t high;
    };
    Watermarks watermarks(const std::string& topic, int32_t partition) const {
        ingest_error error{};
        Watermarks marks{-1, -1};
        rethrow(raw_->watermarks(raw_->context, topic.c_str(), partition, &marks.low, &marks.high,
                                 &error),
                error);
        return marks;
    }

    void report_verdict(bool ok, const std::string& summary) const {
        raw_->report_verdict(raw_->context, ok ? 1 : 0, summary.c_str());
    }

    // Sources: the partition count of `topic` (empty: the connector's topic); nullopt when the host
    // is older than ABI 1.5 and cannot say. Throws RetriableError when the broker cannot tell.
    std::optional<int32_t> partition_count(const std::string& topic = {}) const {
        if (!raw_ || !INGEST_STRUCT_HAS(raw_, ingest_host, partition_count) || !raw_->partition_count)
            return std::nullopt;
        ingest_error error{};
        const int32_t count = raw_->partition_count(raw_->context, topic.empty() ? nullptr : topic.c_str(), &error);
        if (count < 1) rethrow(INGEST_RETRIABLE, error);
        return count;
    }

    // True once the host wants this task to stop. Hosts older than ABI 1.1 cannot say so: false.
    bool stopping() const {
        return raw_ && INGEST_STRUCT_HAS(raw_, ingest_host, stopping) && raw_->stopping &&
               raw_->stopping(raw_->context) != 0;
    }
    // Records the plugin's own metrics by row of its metric table (an enum or an index). Hosts
    // older than ABI 1.2 have no metrics: the calls do nothing. Meant per batch, not per record.
    template <typename Row>
        requires std::is_enum_v<Row> || std::is_integral_v<Row>
    void metric_add(Row row, double delta) const {
        if (raw_ && INGEST_STRUCT_HAS(raw_, ingest_host, metric_add) && raw_->metric_add)
            raw_->metric_add(raw_->context, static_cast<uint32_t>(row), delta);
    }
    template <typename Row>
        requires std::is_enum_v<Row> || std::is_integral_v<Row>
    void metric_set(Row row, double value) const {
        if (raw_ && INGEST_STRUCT_HAS(raw_, ingest_host, metric_set) && raw_->metric_set)
            raw_->metric_set(raw_->context, static_cast<uint32_t>(row), value);
    }

    // Waits `duration` unless the host wants the task to stop first; returns false if it does.
    // What a plugin calls instead of sleeping inside a call (a retry's backoff).
    bool wait_unless_stopping(std::chrono::milliseconds duration) const {
        const auto deadline = std::chrono::steady_clock::now() + duration;
        constexpr auto kSlice = std::chrono::milliseconds(50);
        while (!stopping()) {
            auto left = deadline - std::chrono::steady_clock::now();
            if (left <= std::chrono::steady_clock::duration::zero()) return true;
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kSlice));
        }
        return false;
    }

   private:
    static void rethrow(ingest_status status, const ingest_error& error) {
        if (status == INGEST_RETRIABLE) throw RetriableError(error.message);
        if (status != INGEST_OK) throw FatalError(error.message);
    }
    const ingest_host* raw_ = nullptr;
};

// ---- task base classes ---------------------------------------------------------------------------

class Task {
   public:
    virtual ~Task() = default;
    virtual void start(const Config& config) = 0;
    virtual void stop() {}

    void attach(const Host& host) { host_ = host; }

   protected:
    const Host& host() const { return host_; }

   private:
    Host host_;
};

// Hands records to the host during poll(); the host copies them before emit() returns.
class Emitter {
   public:
    Emitter(ingest_emit_fn emit_fn, void* context) : emit_(emit_fn), context_(context) {}

    // `partition`: INGEST_PARTITION_ANY lets the producer choose by key; any other value must be
    // below the topic's partition count (Host::partition_count).
    void emit(std::string_view key, std::optional<std::string_view> value, uint64_t correlation,
              std::span<const ingest_header> headers = {}, const char* topic = nullptr,
              int32_t partition = INGEST_PARTITION_ANY) {
        ingest_source_record record{};
        record.topic = topic;
        record.partition = partition;
        record.key = {key.data(), key.size()};
        record.value = value ? ingest_bytes{value->data(), value->size()} : ingest_bytes{nullptr, 0};
        record.headers = headers.data();
        record.header_count = headers.size();
        record.correlation = correlation;
        emit_(context_, &record);
    }

   private:
    ingest_emit_fn emit_;
    void* context_;
};

namespace detail {
template <typename TaskType>
struct Adapter;
}

class SourceTask : public Task {
   public:
    enum class PollResult { More, End };

    // Emit zero or more records; return End once the stream is complete. Return within ~100 ms.
    virtual PollResult poll(Emitter& emitter) = 0;
    // The broker confirmed (error empty) or finally refused one record emitted earlier.
    virtual void on_delivered(uint64_t correlation, int32_t partition, int64_t offset,
                              std::string_view error) = 0;
    // Everything emitted so far was confirmed or refused: persist progress.
    virtual void commit() {}

   private:
    template <typename>
    friend struct detail::Adapter;
    // What on_delivered() threw: record_delivered cannot fail across the boundary, so the next
    // poll() or commit() raises it instead (and the task fails or retries as it says).
    std::exception_ptr delivery_error_;
    void raise_delivery_error() {
        if (delivery_error_) std::rethrow_exception(std::exchange(delivery_error_, nullptr));
    }
};

struct TopicPartition {
    std::string_view topic;
    int32_t partition;
};

// A partition's stored next offset; nullopt: none (alter_offsets: forget it).
struct PartitionOffset {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> offset;
};

class SinkTask : public Task {
   public:
    // Partitions assigned. Return the stored next offset of a partition, or nullopt.
    virtual std::optional<int64_t> open(TopicPartition) { return std::nullopt; }
    virtual void put(std::span<const Record> records) = 0;
    // Flush; return the next offset durably handled for this partition, or nullopt to accept the
    // host's proposal.
    virtual std::optional<int64_t> pre_commit(TopicPartition, int64_t /*proposed*/) {
        return std::nullopt;
    }
    virtual void close(TopicPartition) {}

    // kOwnsOffsets sinks (ABI 1.3): the operator's view of the offsets the sink stores, as
    // Kafka Connect's KIP-875 offsets endpoints show and change them. Called on a task that was
    // started but given no partitions, while the connector is STOPPED.
    // Every partition this connector has a stored next offset for.
    virtual std::vector<PartitionOffset> list_offsets() {
        throw FatalError("this sink does not implement list_offsets()");
    }
    // All or nothing: `offset` becomes the partition's stored next offset; nullopt forgets it (the
    // partition starts from the beginning). Partitions not named keep theirs.
    virtual void alter_offsets(std::span<const PartitionOffset> /*offsets*/) {
        throw FatalError("this sink does not implement alter_offsets()");
    }
};

// Sink traits, the last argument of INGEST_SINK_PLUGIN (combine with |).
// kOwnsOffsets: the sink stores consumed offsets transactionally with its writes (and lists and
// alters them: SinkTask::list_offsets, alter_offsets).
// kReportsVerdict: every task eventually calls host().report_verdict (a validator).
inline constexpr unsigned kOwnsOffsets = 1u;
inline constexpr unsigned kReportsVerdict = 2u;

// ---- the adapter: C calls into C++ virtuals, exceptions into statuses ----------------------------

namespace detail {

inline void copy_message(ingest_error* error, const char* message) {
    if (!error) return;
    std::snprintf(error->message, sizeof(error->message), "%s", message);
}

template <typename Fn>
ingest_status guarded(ingest_error* error, Fn&& fn) noexcept {
    try {
        fn();
        return INGEST_OK;
    } catch (const RetriableError& e) {
        copy_message(error, e.what());
        return INGEST_RETRIABLE;
    } catch (const std::exception& e) {
        copy_message(error, e.what());
        return INGEST_FATAL;
    } catch (...) {
        copy_message(error, "unknown exception");
        return INGEST_FATAL;
    }
}

template <typename TaskType>
struct Adapter {
    static TaskType* self(void* task) { return static_cast<TaskType*>(task); }

    static void* create(const ingest_host* host, ingest_error* error) noexcept {
        TaskType* task = nullptr;
        guarded(error, [&] {
            task = new TaskType();
            task->attach(Host(host));
        });
        return task;
    }
    static ingest_status start(void* task, const ingest_config* config,
                               ingest_error* error) noexcept {
        return guarded(error, [&] { self(task)->start(Config(*config)); });
    }
    static ingest_status stop(void* task, ingest_error* error) noexcept {
        return guarded(error, [&] { self(task)->stop(); });
    }
    static void destroy(void* task) noexcept {
        try {
            delete self(task);
        } catch (...) {
        }
    }

    // source
    static ingest_status poll(void* task, ingest_emit_fn emit, void* context,
                              ingest_error* error) noexcept {
        auto result = SourceTask::PollResult::More;
        ingest_status status = guarded(error, [&] {
            self(task)->raise_delivery_error();
            Emitter emitter(emit, context);
            result = self(task)->poll(emitter);
        });
        if (status == INGEST_OK && result == SourceTask::PollResult::End) return INGEST_END;
        return status;
    }
    static void record_delivered(void* task, uint64_t correlation, int32_t partition,
                                 int64_t offset, const char* error) noexcept {
        try {
            self(task)->on_delivered(correlation, partition, offset, error ? error : "");
        } catch (...) {
            if (!self(task)->delivery_error_) self(task)->delivery_error_ = std::current_exception();
        }
    }
    static ingest_status commit(void* task, ingest_error* error) noexcept {
        return guarded(error, [&] {
            self(task)->raise_delivery_error();
            self(task)->commit();
        });
    }

    // sink
    static ingest_status open(void* task, ingest_topic_partition* parts, size_t count,
                              ingest_error* error) noexcept {
        return guarded(error, [&] {
            for (size_t i = 0; i < count; ++i) {
                auto stored = self(task)->open({parts[i].topic, parts[i].partition});
                parts[i].offset = stored ? *stored : INGEST_OFFSET_NONE;
            }
        });
    }
    static ingest_status put(void* task, const ingest_record* records, size_t count,
                             ingest_error* error) noexcept {
        // Record is a one-pointer view; the vector is reused, so steady state allocates nothing.
        return guarded(error, [&] {
            thread_local std::vector<Record> views;
            views.clear();
            for (size_t i = 0; i < count; ++i) views.emplace_back(records[i]);
            self(task)->put(std::span<const Record>(views.data(), views.size()));
        });
    }
    static ingest_status pre_commit(void* task, ingest_topic_partition* offsets, size_t count,
                                    ingest_error* error) noexcept {
        return guarded(error, [&] {
            for (size_t i = 0; i < count; ++i) {
                auto durable = self(task)->pre_commit({offsets[i].topic, offsets[i].partition},
                                                      offsets[i].offset);
                if (durable) offsets[i].offset = *durable;
            }
        });
    }
    static ingest_status close(void* task, const ingest_topic_partition* parts, size_t count,
                               ingest_error* error) noexcept {
        return guarded(error, [&] {
            for (size_t i = 0; i < count; ++i) self(task)->close({parts[i].topic, parts[i].partition});
        });
    }

    static ingest_status list_offsets(void* task, ingest_offset_fn each, void* context,
                                      ingest_error* error) noexcept {
        return guarded(error, [&] {
            for (const auto& stored : self(task)->list_offsets())
                each(context, stored.topic.c_str(), stored.partition, stored.offset.value_or(INGEST_OFFSET_NONE));
        });
    }
    static ingest_status alter_offsets(void* task, const ingest_topic_partition* offsets, size_t count,
                                       ingest_error* error) noexcept {
        return guarded(error, [&] {
            std::vector<PartitionOffset> changes;
            changes.reserve(count);
            for (size_t i = 0; i < count; ++i)
                changes.push_back({offsets[i].topic, offsets[i].partition,
                                   offsets[i].offset == INGEST_OFFSET_NONE ? std::nullopt
                                                                           : std::optional<int64_t>(offsets[i].offset)});
            self(task)->alter_offsets(changes);
        });
    }

    // The config a task of this plugin is started with, when it was declared with a ConfigDef.
    static inline const ConfigTable* config_table = nullptr;

    static ingest_status validate(const ingest_config* config, ingest_report_fn report, void* context,
                                  ingest_error* error) noexcept {
        return guarded(error, [&] {
            if (!config_table) return;
            for (const auto& problem : config_table->validate(Config(*config)))
                report(context, problem.key.empty() ? nullptr : problem.key.c_str(), problem.message.c_str());
        });
    }

    static constexpr ingest_source_api source_api{sizeof(ingest_source_api), &poll, &record_delivered, &commit};
    static constexpr ingest_sink_api sink_api(unsigned traits) {
        return {sizeof(ingest_sink_api),
                &open,
                &put,
                &pre_commit,
                &close,
                (traits & kOwnsOffsets) ? 1 : 0,
                (traits & kReportsVerdict) ? 1 : 0,
                (traits & kOwnsOffsets) ? &list_offsets : nullptr,
                (traits & kOwnsOffsets) ? &alter_offsets : nullptr};
    }
};

template <typename TaskType>
constexpr ingest_plugin describe(const char* name, const char* version, const char* description,
                                 std::span<const ingest_config_key> keys,
                                 const ingest_source_api* source, const ingest_sink_api* sink,
                                 std::span<const ingest_metric_def> metrics = {}) {
    return {INGEST_ABI_MAJOR,
            sizeof(ingest_plugin),
            name,
            version,
            description,
            source ? INGEST_KIND_SOURCE : INGEST_KIND_SINK,
            keys.data(),
            keys.size(),
            &Adapter<TaskType>::create,
            &Adapter<TaskType>::start,
            &Adapter<TaskType>::stop,
            &Adapter<TaskType>::destroy,
            source,
            sink,
            INGEST_ABI_MINOR,
            nullptr,
            metrics.empty() ? nullptr : metrics.data(),
            metrics.size()};
}

// A plugin whose keys are declared with a ConfigDef: its table, and its cross-key checks as the
// descriptor's validate hook.
template <typename TaskType>
ingest_plugin describe(const char* name, const char* version, const char* description, const ConfigTable& config,
                       const ingest_source_api* source, const ingest_sink_api* sink,
                       std::span<const ingest_metric_def> metrics = {}) {
    Adapter<TaskType>::config_table = &config;
    ingest_plugin plugin = describe<TaskType>(name, version, description, config.table(), source, sink, metrics);
    plugin.validate = &Adapter<TaskType>::validate;
    return plugin;
}

}  // namespace detail
}  // namespace ingest::sdk

#define INGEST_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

// Exports a source plugin whose tasks are `TaskType` (derived from ingest::sdk::SourceTask).
// Optional last argument: the plugin's metric table (an array of ingest_metric_def).
#define INGEST_SOURCE_PLUGIN(TaskType, NAME, VERSION, DESCRIPTION, KEYS, ...)                 \
    INGEST_PLUGIN_EXPORT const ingest_plugin* ingest_plugin_entry(void) {                     \
        static const ingest_plugin descriptor = ::ingest::sdk::detail::describe<TaskType>(    \
            NAME, VERSION, DESCRIPTION, KEYS, &::ingest::sdk::detail::Adapter<TaskType>::source_api, \
            nullptr __VA_OPT__(, __VA_ARGS__));                                                \
        return &descriptor;                                                                    \
    }

// Exports a sink plugin whose tasks are `TaskType` (derived from ingest::sdk::SinkTask).
// TRAITS: 0, or ingest::sdk::kOwnsOffsets and/or ingest::sdk::kReportsVerdict (true = kOwnsOffsets).
// Optional last argument: the plugin's metric table (an array of ingest_metric_def).
#define INGEST_SINK_PLUGIN(TaskType, NAME, VERSION, DESCRIPTION, KEYS, TRAITS, ...)             \
    INGEST_PLUGIN_EXPORT const ingest_plugin* ingest_plugin_entry(void) {                      \
        static const ingest_sink_api sink_api =                                                \
            ::ingest::sdk::detail::Adapter<TaskType>::sink_api(TRAITS);                         \
        static const ingest_plugin descriptor = ::ingest::sdk::detail::describe<TaskType>(     \
            NAME, VERSION, DESCRIPTION, KEYS, nullptr, &sink_api __VA_OPT__(, __VA_ARGS__));   \
        return &descriptor;                                                                     \
    }
