// The plugin test harness: drive any plugin .so as the runner would, without Kafka.
//
// A Plugin is loaded through the runner's own loader (the same checks, the same refusals); a
// config is validated exactly as `ingest run` validates a connector file (runner keys, the plugin's
// key table, its validate hook); a SinkTask or SourceTask runs one task object through the same
// guarded calls as the runner's task loops, with a host whose behaviour the test controls and
// whose effects (logs, dead letters, verdicts, metrics) it can read. See docs/plugin-guide.md.
//
//   auto plugin = ingest::harness::Plugin::load("build/sink_jsonl.so");
//   ingest::harness::SinkTask task(plugin, {{"path", dir / "out.jsonl"}});
//   ASSERT_TRUE(task.start().ok());
//   task.open({{"test-topic", 0}});
//   EXPECT_TRUE(task.put({record("k", "v"), tombstone("k")}).ok());
//
// Statuses come back as values (a call that threw is FATAL, as in the runner); nothing here
// depends on GoogleTest; <ingest/harness_gtest.hpp> adds its printers and the conformance macro.
#pragma once

#include <ingest/plugin_abi.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#define INGEST_HARNESS_API __attribute__((visibility("default")))

namespace ingest::harness {

// A connector's config, as in its file's "config" object. `plugin` and the runner's required
// `topic` (sources) / `topics` (sinks) are filled with the loaded plugin and kTopic when absent.
using Config = std::map<std::string, std::string>;
inline constexpr const char* kTopic = "test-topic";

// The outcome of one call into the plugin, as the runner sees it.
struct INGEST_HARNESS_API Status {
    ingest_status code = INGEST_OK;
    std::string message;
    bool ok() const { return code == INGEST_OK; }
    bool retriable() const { return code == INGEST_RETRIABLE; }
    bool fatal() const { return code == INGEST_FATAL; }
    bool end() const { return code == INGEST_END; }
};
INGEST_HARNESS_API const char* status_name(ingest_status code);
INGEST_HARNESS_API std::ostream& operator<<(std::ostream& out, const Status& status);

// One problem of a config: the key it is about ("" for the config as a whole) and why.
struct ConfigProblem {
    std::string key;
    std::string message;
};

// The plugin cannot be loaded; what() is the runner's message (file and reason).
class INGEST_HARNESS_API LoadError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A config the runner would refuse; problems() lists every problem, what() all of them.
class INGEST_HARNESS_API ConfigError : public std::runtime_error {
   public:
    explicit ConfigError(std::vector<ConfigProblem> problems);
    const std::vector<ConfigProblem>& problems() const { return problems_; }

   private:
    std::vector<ConfigProblem> problems_;
};

struct Header {
    std::string key;
    std::string value;
    bool operator==(const Header&) const = default;
};

// A record as a sink gets it, owned. offset < 0: the harness gives it the next offset of its
// partition in this task (as a consumer would).
struct Record {
    std::string topic = kTopic;
    int32_t partition = 0;
    int64_t offset = -1;
    int64_t timestamp_ms = -1;
    std::optional<std::string> key;
    std::optional<std::string> value;  // nullopt: a tombstone
    std::vector<Header> headers;
};
// A record with a value (and a key, unless nullopt) on partition 0 of kTopic.
INGEST_HARNESS_API Record record(std::optional<std::string> key, std::string value, int32_t partition = 0);
INGEST_HARNESS_API Record tombstone(std::string key, int32_t partition = 0);

struct TopicPartition {
    std::string topic = kTopic;
    int32_t partition = 0;
    auto operator<=>(const TopicPartition&) const = default;
};
// Next offset to consume per partition; INGEST_OFFSET_NONE: none stored.
using Offsets = std::map<TopicPartition, int64_t>;

struct LogLine {
    ingest_log_level level;
    std::string message;
};

// A record the task dead-lettered, with the reason and the plugin's own headers.
struct DeadLetter {
    Record record;
    std::string reason;
    std::vector<Header> headers;
    bool confirmed = false;  // flushed: the broker would have acknowledged it
};

struct Verdict {
    bool ok = false;
    std::string summary;
};

// A loaded plugin .so. Copies share the library, which stays loaded while any of them or any
// task made from them lives.
class INGEST_HARNESS_API Plugin {
   public:
    // Loads and checks `file` with the runner's loader; throws LoadError with its message.
    static Plugin load(const std::filesystem::path& file);

    // The descriptor in the runner's layout (fields of newer minors than the plugin's read as 0).
    const ingest_plugin& descriptor() const;
    std::string name() const;
    ingest_plugin_kind kind() const;
    std::string abi_version() const;  // "1.5": what the plugin was built against
    const std::filesystem::path& file() const;

    // Every problem the runner would report for a connector with this config; empty: valid.
    std::vector<ConfigProblem> check_config(const Config& config) const;
    // The plugin's keys as start() gets them: validated, defaults filled. Throws ConfigError.
    Config resolve_config(const Config& config) const;

    struct Impl;

   private:
    explicit Plugin(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
    friend class Task;
};

// Which task of which connector: what the plugin's host struct says.
struct TaskOptions {
    std::string connector = "test-connector";
    int task_id = 0;
    int task_count = 1;
};

// What a task's host recorded, and how it behaves. It outlives restarts of its task, so a test
// sees everything a task did across them.
class INGEST_HARNESS_API Host {
   public:
    // ---- what the plugin did
    const std::vector<LogLine>& logs() const;
    // True when a log line contains `text`.
    bool logged(std::string_view text) const;
    const std::vector<DeadLetter>& dead_letters() const;
    // How many dead_letter() calls the host refused (refuse_dead_letters()).
    size_t dead_letters_refused() const;
    // How many times the task called flush_dead_letters() (the host's own flush after each OK
    // put is not counted).
    size_t dead_letter_flushes() const;
    const std::optional<Verdict>& verdict() const;
    // The current value of the plugin's declared metric `name` (as in its table, without
    // `_total`) for this task; throws std::out_of_range when it declares no such metric.
    double metric(const std::string& name) const;
    // True when a call into the plugin threw: an exception reached the C boundary.
    bool exception_escaped() const;

    // ---- what the broker would say
    // The low and high (next to be written) offsets of a partition. A source's records are
    // appended there: the next one delivered to it gets offset `high`, which then grows (0 when
    // never set), so a test can continue a topic that a task wrote before.
    void set_watermarks(const TopicPartition& partition, int64_t low, int64_t high);
    // Default: 1; a source's own topic has the partitions the runner would create it with
    // (topic.creation.default.partitions, else topic.partitions).
    void set_partition_count(const std::string& topic, int32_t count);

    // ---- failures to inject
    // dead_letter() answers RETRIABLE ("the dead-letter topic cannot be written").
    void refuse_dead_letters(bool refuse = true);
    // flush_dead_letters() answers RETRIABLE and leaves what was queued unconfirmed.
    void fail_dead_letter_flush(bool fail = true);
    // host->stopping() answers true: the host wants the task to stop.
    void request_stop(bool stop = true);
    // Sources: the broker still stores (or refuses) records, but their reports never reach the
    // task, as when the worker dies in between: deliver()/fail() settle them without calling
    // record_delivered().
    void drop_delivery_reports(bool drop = true);

    struct Impl;
    explicit Host(std::shared_ptr<Impl> impl);

   private:
    std::shared_ptr<Impl> impl_;
};

// The common part of a sink or source task: one task object of a plugin, created on construction
// (std::runtime_error when create() fails) and destroyed with this object (stopped first when it
// was started and not stopped, as the runner does).
class INGEST_HARNESS_API Task {
   public:
    // Validates `config` as the runner does (throws ConfigError) and creates the task.
    Task(const Plugin& plugin, const Config& config, TaskOptions options = {});
    virtual ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    Status start();
    // Stops (again, if asked: a plugin must take that) without destroying the task object.
    Status stop();
    // As after a crash of the worker: stop, destroy, create a new task object, start. The host's
    // records and injected failures stay; a sink has no assignment until open() is called again.
    Status restart();

    Host& host();
    const Plugin& plugin() const;
    // The plugin's config as start() gets it.
    const Config& config() const;

    struct Impl;

   protected:
    std::unique_ptr<Impl> impl_;
};

class INGEST_HARNESS_API SinkTask : public Task {
   public:
    // Throws std::invalid_argument when the plugin is not a sink.
    SinkTask(const Plugin& plugin, const Config& config, TaskOptions options = {});

    // Assigns partitions; returns the offsets the sink stored for them (INGEST_OFFSET_NONE when
    // none, or when the sink does not own its offsets) and remembers the assignment.
    Status open(const std::vector<TopicPartition>& partitions, Offsets* stored = nullptr);
    // Stored offsets as open() reports them for the current assignment.
    Offsets stored_offsets();
    // Puts one batch (records without an offset get their partition's next one). After an OK put
    // the host flushes the batch's dead letters, as the runner does: a failed flush makes the
    // put RETRIABLE. A RETRIABLE put leaves the partitions' next offsets where they were, so the
    // same batch can be put again.
    Status put(std::vector<Record> batch);
    // The offsets the host would commit (after the last OK put), as the sink lowered them.
    Status pre_commit(Offsets* committed = nullptr);
    // Revokes partitions (all assigned ones when empty).
    Status close(const std::vector<TopicPartition>& partitions = {});
    bool owns_offsets() const;

    // KIP-875, sinks that store offsets: what list_offsets() reports, and alter_offsets().
    Status list_offsets(Offsets& out);
    Status alter_offsets(const Offsets& offsets);
};

// A record a source emitted, owned, and what became of it.
struct Emitted {
    std::string topic;  // the connector's topic when the plugin gave none
    int32_t partition = INGEST_PARTITION_ANY;
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<Header> headers;
    uint64_t correlation = 0;
    enum class State { pending, delivered, failed } state = State::pending;
    int64_t offset = -1;  // once delivered
};

class INGEST_HARNESS_API SourceTask : public Task {
   public:
    // Throws std::invalid_argument when the plugin is not a source.
    SourceTask(const Plugin& plugin, const Config& config, TaskOptions options = {});

    // One poll(); what it emitted is appended to emitted(), pending delivery.
    Status poll();
    // Every record emitted so far (by every task object across restarts).
    const std::vector<Emitted>& emitted() const;
    // Confirms every pending record, as the broker would: partition (the record's own, or by key),
    // next offset of that partition.
    void deliver_all();
    // Confirms the pending records that `which` selects; it sees them oldest first, and the others
    // stay pending.
    void deliver(const std::function<bool(const Emitted&)>& which);
    // Refuses every pending record with `error` (e.g. a message too large for the topic).
    void fail_all(const std::string& error);
    void fail(const std::function<bool(const Emitted&)>& which, const std::string& error);
    // Calls record_delivered() exactly as given, whatever the task emitted: how a plugin takes a
    // report that no broker would send (unknown, or for a record already settled).
    Status report_delivery(uint64_t correlation, int32_t partition, int64_t offset,
                           const std::optional<std::string>& error = std::nullopt);
    Status commit();
    // Polls, delivering after each poll, until the source says END, a call fails or `deadline`
    // passes (then FATAL "did not end within ..."); then commits. Returns the last status.
    Status run_to_end(std::chrono::milliseconds deadline = std::chrono::seconds(60));
};

}  // namespace ingest::harness
