// The harness on top of the runner's own parts: its loader (plugin_host), its connector validation
// (config), its guarded task object with the host struct (pipeline::PluginTask), its metrics
// registry and its dead-letter header rule. Only the Kafka side is played here.
#include <ingest/harness.hpp>

#include "config/connector_config.hpp"
#include "metrics/metrics.hpp"
#include "pipeline/dead_letter_queue.hpp"
#include "pipeline/plugin_task.hpp"
#include "plugin_host/plugin_library.hpp"

#include <prometheus/registry.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace ingest::harness {

// ---- statuses and records ----------------------------------------------------------------------

const char* status_name(ingest_status code) {
    switch (code) {
        case INGEST_OK: return "OK";
        case INGEST_RETRIABLE: return "RETRIABLE";
        case INGEST_FATAL: return "FATAL";
        case INGEST_END: return "END";
    }
    return "UNKNOWN";
}

std::ostream& operator<<(std::ostream& out, const Status& status) {
    out << status_name(status.code);
    if (!status.message.empty()) out << ": " << status.message;
    return out;
}

namespace {

std::string join_problems(const std::vector<ConfigProblem>& problems) {
    std::string text = "invalid config:";
    for (const auto& problem : problems)
        text += "\n  " + (problem.key.empty() ? std::string("(config)") : problem.key) + ": " + problem.message;
    return text;
}

Status status_of(const pipeline::CallResult& result) { return {result.status, result.message}; }

std::optional<std::string> optional_bytes(const ingest_bytes& bytes) {
    if (!bytes.data) return std::nullopt;
    return std::string(bytes.data, bytes.size);
}

ingest_bytes view(const std::optional<std::string>& text) {
    return text ? ingest_bytes{text->data(), text->size()} : ingest_bytes{nullptr, 0};
}

std::vector<Header> copy_headers(const ingest_header* headers, size_t count) {
    std::vector<Header> out;
    for (size_t i = 0; i < count && headers; ++i)
        out.push_back({headers[i].key ? headers[i].key : "", optional_bytes(headers[i].value).value_or("")});
    return out;
}

// The partition a broker's default partitioner would pick for a keyed record with no partition:
// the same key always lands on the same partition (not Kafka's murmur2: only stable is promised).
int32_t partition_for(const std::optional<std::string>& key, int32_t count, uint64_t sequence) {
    if (count <= 1) return 0;
    if (!key) return static_cast<int32_t>(sequence % static_cast<uint64_t>(count));
    uint64_t hash = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : *key) hash = (hash ^ c) * 1099511628211ull;
    return static_cast<int32_t>(hash % static_cast<uint64_t>(count));
}

}  // namespace

ConfigError::ConfigError(std::vector<ConfigProblem> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

Record record(std::optional<std::string> key, std::string value, int32_t partition) {
    Record out;
    out.partition = partition;
    out.key = std::move(key);
    out.value = std::move(value);
    return out;
}

Record tombstone(std::string key, int32_t partition) {
    Record out;
    out.partition = partition;
    out.key = std::move(key);
    return out;
}

// ---- the plugin ---------------------------------------------------------------------------------

struct Plugin::Impl {
    std::shared_ptr<plugin_host::PluginLibrary> library;

    // The connector the runner would build from `config` (the harness's defaults filled in);
    // ConfigError with every problem when the runner would refuse it.
    config::ConnectorConfig connector(const Config& given) const {
        config::ConnectorSpec spec;
        spec.source = "harness config";
        spec.name = "test-connector";
        spec.raw = given;
        spec.raw.emplace("plugin", library->name());
        spec.raw.emplace(library->descriptor().kind == INGEST_KIND_SINK ? "topics" : "topic", kTopic);
        try {
            return config::validate_connector(spec, library->descriptor());
        } catch (const config::ConfigError& e) {
            std::vector<ConfigProblem> problems;
            for (const auto& problem : e.problems()) problems.push_back({problem.key, problem.message});
            throw ConfigError(std::move(problems));
        }
    }
};

Plugin::Plugin(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Plugin Plugin::load(const std::filesystem::path& file) {
    try {
        return Plugin(std::make_shared<Impl>(Impl{plugin_host::PluginLibrary::load(file)}));
    } catch (const std::exception& e) {
        throw LoadError(e.what());
    }
}

const ingest_plugin& Plugin::descriptor() const { return impl_->library->descriptor(); }
std::string Plugin::name() const { return impl_->library->name(); }
ingest_plugin_kind Plugin::kind() const { return descriptor().kind; }
std::string Plugin::abi_version() const { return impl_->library->abi_version(); }
const std::filesystem::path& Plugin::file() const { return impl_->library->file(); }

std::vector<ConfigProblem> Plugin::check_config(const Config& config) const {
    try {
        impl_->connector(config);
        return {};
    } catch (const ConfigError& e) {
        return e.problems();
    }
}

Config Plugin::resolve_config(const Config& config) const { return impl_->connector(config).plugin; }

// ---- the host -------------------------------------------------------------------------------------

struct Host::Impl {
    std::string plugin;
    TaskOptions options;
    std::string topic = kTopic;  // sources: the connector's topic
    std::vector<metrics::PluginMetricDef> metric_defs;

    std::vector<LogLine> logs;
    std::vector<DeadLetter> dead_letters;
    std::optional<Verdict> verdict;
    bool exception_escaped = false;
    std::map<TopicPartition, std::pair<int64_t, int64_t>> watermarks;
    std::map<std::string, int32_t> partition_counts;
    bool refuse_dead_letters = false;
    size_t refused_dead_letters = 0;
    size_t plugin_flushes = 0;
    bool fail_flush = false;
    bool stop_requested = false;
    bool drop_delivery_reports = false;

    // A registry of this task's own: metric() reads what the plugin recorded, as /metrics would.
    std::shared_ptr<metrics::Metrics> registry = std::make_shared<metrics::Metrics>();
    std::unique_ptr<metrics::PluginSeries> series;

    ingest_status flush(ingest_error* error) {
        if (fail_flush) {
            std::snprintf(error->message, sizeof error->message,
                          "dead letters not confirmed by the broker (failed by the test harness)");
            return INGEST_RETRIABLE;
        }
        for (auto& letter : dead_letters) letter.confirmed = true;
        return INGEST_OK;
    }

    int32_t partition_count(const std::string& of) const {
        auto it = partition_counts.find(of.empty() ? topic : of);
        return it == partition_counts.end() ? 1 : it->second;
    }

    pipeline::HostServices services() {
        pipeline::HostServices s;
        s.log = [this](ingest_log_level level, const std::string& message) { logs.push_back({level, message}); };
        s.dead_letter = [this](const ingest_record& raw, const char* reason, std::span<const ingest_header> extra,
                               ingest_error* error) {
            if (pipeline::DeadLetterQueue::check_extra_headers(extra, error) != INGEST_OK) return INGEST_FATAL;
            if (refuse_dead_letters) {
                ++refused_dead_letters;
                std::snprintf(error->message, sizeof error->message, "the dead-letter topic cannot be written "
                                                                     "(refused by the test harness)");
                return INGEST_RETRIABLE;
            }
            DeadLetter letter;
            letter.record.topic = raw.topic ? raw.topic : "";
            letter.record.partition = raw.partition;
            letter.record.offset = raw.offset;
            letter.record.timestamp_ms = raw.timestamp_ms;
            letter.record.key = optional_bytes(raw.key);
            letter.record.value = optional_bytes(raw.value);
            letter.record.headers = copy_headers(raw.headers, raw.header_count);
            letter.reason = reason;
            letter.headers = copy_headers(extra.data(), extra.size());
            dead_letters.push_back(std::move(letter));
            return INGEST_OK;
        };
        s.flush_dead_letters = [this](ingest_error* error) {
            ++plugin_flushes;
            return flush(error);
        };
        s.watermarks = [this](const std::string& of, int32_t partition) {
            auto it = watermarks.find({of, partition});
            if (it == watermarks.end())
                throw std::runtime_error("no watermarks for " + of + "/" + std::to_string(partition) +
                                         " (set them with Host::set_watermarks)");
            return it->second;
        };
        s.partition_count = [this](const std::string& of) { return partition_count(of); };
        s.report_verdict = [this](bool ok, const std::string& summary) { verdict = Verdict{ok, summary}; };
        s.stopping = [this] { return stop_requested; };
        s.metrics = series.get();
        return s;
    }
};

Host::Host(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
const std::vector<LogLine>& Host::logs() const { return impl_->logs; }
bool Host::logged(std::string_view text) const {
    return std::any_of(impl_->logs.begin(), impl_->logs.end(),
                       [&](const LogLine& line) { return line.message.find(text) != std::string::npos; });
}
const std::vector<DeadLetter>& Host::dead_letters() const { return impl_->dead_letters; }
size_t Host::dead_letters_refused() const { return impl_->refused_dead_letters; }
size_t Host::dead_letter_flushes() const { return impl_->plugin_flushes; }
const std::optional<Verdict>& Host::verdict() const { return impl_->verdict; }
bool Host::exception_escaped() const { return impl_->exception_escaped; }
void Host::set_watermarks(const TopicPartition& partition, int64_t low, int64_t high) {
    impl_->watermarks[partition] = {low, high};
}
void Host::set_partition_count(const std::string& topic, int32_t count) { impl_->partition_counts[topic] = count; }
void Host::refuse_dead_letters(bool refuse) { impl_->refuse_dead_letters = refuse; }
void Host::fail_dead_letter_flush(bool fail) { impl_->fail_flush = fail; }
void Host::request_stop(bool stop) { impl_->stop_requested = stop; }
void Host::drop_delivery_reports(bool drop) { impl_->drop_delivery_reports = drop; }

double Host::metric(const std::string& name) const {
    auto def = std::find_if(impl_->metric_defs.begin(), impl_->metric_defs.end(),
                            [&](const auto& d) { return d.name == name; });
    if (def == impl_->metric_defs.end())
        throw std::out_of_range("plugin '" + impl_->plugin + "' declares no metric '" + name + "'");
    const bool counter = def->type == metrics::Type::counter;
    const std::string family = "ingest_plugin_" + impl_->plugin + "_" + name + (counter ? "_total" : "");
    const std::string task = std::to_string(impl_->options.task_id);
    for (const auto& collected : impl_->registry->registry()->Collect()) {
        if (collected.name != family) continue;
        for (const auto& sample : collected.metric) {
            bool ours = std::any_of(sample.label.begin(), sample.label.end(),
                                    [&](const auto& l) { return l.name == "task" && l.value == task; });
            if (ours) return counter ? sample.counter.value : sample.gauge.value;
        }
    }
    return 0;
}

// ---- tasks ----------------------------------------------------------------------------------------

struct Task::Impl {
    Plugin plugin;
    TaskOptions options;
    Config config;  // the plugin's keys, resolved
    std::shared_ptr<Host::Impl> host_state;
    Host host;
    std::unique_ptr<pipeline::PluginTask> task;
    bool running = false;  // start() succeeded, stop() not called since

    // Sinks: the assignment and the next offset per partition (after the last OK put).
    std::vector<TopicPartition> assigned;
    Offsets next;
    // Sources: emitted records (each then gets the next offset of its partition's watermarks).
    std::vector<Emitted> emitted;
    uint64_t sequence = 0;

    Impl(const Plugin& p, const config::ConnectorConfig& connector, TaskOptions o)
        : plugin(p),
          options(std::move(o)),
          config(connector.plugin),
          host_state(std::make_shared<Host::Impl>()),
          host(host_state) {
        host_state->plugin = plugin.name();
        host_state->options = options;
        if (plugin.kind() == INGEST_KIND_SOURCE) {
            // The topic the runner would create for the connector, with its partition count.
            host_state->topic = connector.runner.topic;
            host_state->partition_counts[host_state->topic] = connector.created_topic_partitions();
        }
        for (const auto& def : plugin.impl_->library->metrics())
            host_state->metric_defs.push_back(
                {def.name, def.type == INGEST_METRIC_GAUGE ? metrics::Type::gauge : metrics::Type::counter,
                 def.help ? def.help : ""});
        host_state->series = host_state->registry->plugin_task(plugin.name(), host_state->metric_defs,
                                                               options.connector, options.task_id);
        create();
    }

    void create() {
        task = std::make_unique<pipeline::PluginTask>(plugin.impl_->library, options.connector, options.task_id,
                                                      options.task_count, host_state->services());
    }

    // Every call into the plugin: the runner's guard, and a note when an exception reached it.
    Status call(const char* what, const std::function<ingest_status(void*, ingest_error*)>& fn) {
        auto result = task->call(what, fn);
        if (result.message.starts_with(std::string(what) + "() threw")) host_state->exception_escaped = true;
        return status_of(result);
    }
};

Task::Task(const Plugin& plugin, const Config& config, TaskOptions options)
    : impl_(std::make_unique<Impl>(plugin, plugin.impl_->connector(config), std::move(options))) {}
// As the runner: a task that was started is stopped before it is destroyed.
Task::~Task() {
    if (impl_->running) stop();
}

Status Task::start() {
    const sdk::OwnedConfig owned(impl_->config);
    const auto& api = impl_->plugin.descriptor();
    Status started =
        impl_->call("start", [&](void* task, ingest_error* error) { return api.start(task, &owned.raw(), error); });
    // As the runner: a task whose start() failed is destroyed without stop().
    impl_->running = started.ok();
    return started;
}

Status Task::stop() {
    impl_->running = false;
    const auto& api = impl_->plugin.descriptor();
    return impl_->call("stop", [&](void* task, ingest_error* error) { return api.stop(task, error); });
}

Status Task::restart() {
    Status stopped = stop();
    impl_->task.reset();
    // A new task object has no assignment: the test open()s again and gets what the sink stored.
    impl_->assigned.clear();
    impl_->next.clear();
    impl_->create();
    Status started = start();
    if (!stopped.ok()) return stopped;
    return started;
}

Host& Task::host() { return impl_->host; }
const Plugin& Task::plugin() const { return impl_->plugin; }
const Config& Task::config() const { return impl_->config; }

// ---- sinks ----------------------------------------------------------------------------------------

SinkTask::SinkTask(const Plugin& plugin, const Config& config, TaskOptions options)
    : Task((plugin.kind() == INGEST_KIND_SINK
                ? plugin
                : throw std::invalid_argument("plugin '" + plugin.name() + "' is not a sink")),
           config, std::move(options)) {}

bool SinkTask::owns_offsets() const { return impl_->plugin.descriptor().sink->owns_offsets != 0; }

Status SinkTask::open(const std::vector<TopicPartition>& partitions, Offsets* stored) {
    std::vector<ingest_topic_partition> raw;
    for (const auto& p : partitions) raw.push_back({p.topic.c_str(), p.partition, INGEST_OFFSET_NONE});
    const auto* api = impl_->plugin.descriptor().sink;
    Status status = impl_->call("open", [&](void* task, ingest_error* error) {
        return api->open(task, raw.data(), raw.size(), error);
    });
    if (!status.ok()) return status;
    for (size_t i = 0; i < partitions.size(); ++i) {
        if (std::find(impl_->assigned.begin(), impl_->assigned.end(), partitions[i]) == impl_->assigned.end())
            impl_->assigned.push_back(partitions[i]);
        const int64_t offset = api->owns_offsets ? raw[i].offset : INGEST_OFFSET_NONE;
        if (stored) (*stored)[partitions[i]] = offset;
        // A consumer resumes at the stored offset, or (here) at 0.
        impl_->next[partitions[i]] = offset >= 0 ? offset : 0;
    }
    return status;
}

Offsets SinkTask::stored_offsets() {
    Offsets stored;
    auto assigned = impl_->assigned;
    Status status = close(assigned);
    if (!status.ok()) throw std::runtime_error("close() failed: " + status.message);
    status = open(assigned, &stored);
    if (!status.ok()) throw std::runtime_error("open() failed: " + status.message);
    return stored;
}

Status SinkTask::put(std::vector<Record> batch) {
    Offsets next = impl_->next;
    for (auto& record : batch) {
        TopicPartition where{record.topic, record.partition};
        if (record.offset < 0) record.offset = next.count(where) ? next[where] : 0;
        next[where] = record.offset + 1;
    }
    std::vector<std::vector<ingest_header>> headers(batch.size());
    std::vector<ingest_record> raw;
    for (size_t i = 0; i < batch.size(); ++i) {
        const Record& r = batch[i];
        for (const auto& h : r.headers) headers[i].push_back({h.key.c_str(), {h.value.data(), h.value.size()}});
        raw.push_back({r.topic.c_str(), r.partition, r.offset, r.timestamp_ms, view(r.key), view(r.value),
                       headers[i].data(), headers[i].size()});
    }
    const auto* api = impl_->plugin.descriptor().sink;
    Status status = impl_->call("put", [&](void* task, ingest_error* error) {
        ingest_status put = api->put(task, raw.data(), raw.size(), error);
        if (put != INGEST_OK) return put;
        // As the runner: the batch's dead letters are confirmed before its offsets can advance.
        return impl_->host_state->flush(error);
    });
    if (status.ok()) impl_->next = std::move(next);
    return status;
}

Status SinkTask::pre_commit(Offsets* committed) {
    std::vector<ingest_topic_partition> raw;
    for (const auto& [where, offset] : impl_->next) raw.push_back({where.topic.c_str(), where.partition, offset});
    const auto* api = impl_->plugin.descriptor().sink;
    Status status = impl_->call("pre_commit", [&](void* task, ingest_error* error) {
        return api->pre_commit(task, raw.data(), raw.size(), error);
    });
    if (status.ok() && committed)
        for (const auto& p : raw) (*committed)[{p.topic, p.partition}] = p.offset;
    return status;
}

Status SinkTask::close(const std::vector<TopicPartition>& partitions) {
    const auto& which = partitions.empty() ? impl_->assigned : partitions;
    std::vector<ingest_topic_partition> raw;
    for (const auto& p : which) raw.push_back({p.topic.c_str(), p.partition, INGEST_OFFSET_NONE});
    const auto* api = impl_->plugin.descriptor().sink;
    Status status = impl_->call("close", [&](void* task, ingest_error* error) {
        return api->close(task, raw.data(), raw.size(), error);
    });
    std::vector<TopicPartition> closed = which;
    for (const auto& p : closed) {
        std::erase(impl_->assigned, p);
        impl_->next.erase(p);
    }
    return status;
}

Status SinkTask::list_offsets(Offsets& out) {
    const auto* api = impl_->plugin.descriptor().sink;
    if (!api->list_offsets) return {INGEST_FATAL, "the plugin does not list stored offsets (ABI 1.3 list_offsets)"};
    auto each = [](void* context, const char* topic, int32_t partition, int64_t offset) {
        (*static_cast<Offsets*>(context))[{topic ? topic : "", partition}] = offset;
    };
    return impl_->call("list_offsets", [&](void* task, ingest_error* error) {
        return api->list_offsets(task, each, &out, error);
    });
}

Status SinkTask::alter_offsets(const Offsets& offsets) {
    const auto* api = impl_->plugin.descriptor().sink;
    if (!api->alter_offsets) return {INGEST_FATAL, "the plugin does not alter stored offsets (ABI 1.3 alter_offsets)"};
    std::vector<ingest_topic_partition> raw;
    for (const auto& [where, offset] : offsets) raw.push_back({where.topic.c_str(), where.partition, offset});
    return impl_->call("alter_offsets", [&](void* task, ingest_error* error) {
        return api->alter_offsets(task, raw.data(), raw.size(), error);
    });
}

// ---- sources --------------------------------------------------------------------------------------

SourceTask::SourceTask(const Plugin& plugin, const Config& config, TaskOptions options)
    : Task((plugin.kind() == INGEST_KIND_SOURCE
                ? plugin
                : throw std::invalid_argument("plugin '" + plugin.name() + "' is not a source")),
           config, std::move(options)) {}

Status SourceTask::poll() {
    const auto* api = impl_->plugin.descriptor().source;
    auto emit = [](void* context, const ingest_source_record* raw) {
        auto* self = static_cast<Impl*>(context);
        Emitted out;
        out.topic = raw->topic ? raw->topic : self->host_state->topic;
        out.partition = raw->partition;
        out.key = optional_bytes(raw->key);
        out.value = optional_bytes(raw->value);
        out.headers = copy_headers(raw->headers, raw->header_count);
        out.correlation = raw->correlation;
        self->emitted.push_back(std::move(out));
    };
    return impl_->call("poll", [&](void* task, ingest_error* error) {
        return api->poll(task, emit, impl_.get(), error);
    });
}

const std::vector<Emitted>& SourceTask::emitted() const { return impl_->emitted; }

void SourceTask::deliver_all() {
    deliver([](const Emitted&) { return true; });
}

void SourceTask::deliver(const std::function<bool(const Emitted&)>& which) {
    const auto* api = impl_->plugin.descriptor().source;
    for (auto& record : impl_->emitted) {
        if (record.state != Emitted::State::pending || !which(record)) continue;
        if (record.partition == INGEST_PARTITION_ANY) {
            auto count = impl_->host_state->partition_count(record.topic);
            record.partition = partition_for(record.key, count, impl_->sequence++);
        }
        // Appended to the partition: its high watermark is the record's offset, and then grows.
        record.offset = impl_->host_state->watermarks[{record.topic, record.partition}].second++;
        record.state = Emitted::State::delivered;
        if (impl_->host_state->drop_delivery_reports) continue;
        impl_->call("record_delivered", [&](void* task, ingest_error*) {
            api->record_delivered(task, record.correlation, record.partition, record.offset, nullptr);
            return INGEST_OK;
        });
    }
}

void SourceTask::fail_all(const std::string& error_text) {
    fail([](const Emitted&) { return true; }, error_text);
}

void SourceTask::fail(const std::function<bool(const Emitted&)>& which, const std::string& error_text) {
    const auto* api = impl_->plugin.descriptor().source;
    for (auto& record : impl_->emitted) {
        if (record.state != Emitted::State::pending || !which(record)) continue;
        record.state = Emitted::State::failed;
        if (impl_->host_state->drop_delivery_reports) continue;
        impl_->call("record_delivered", [&](void* task, ingest_error*) {
            api->record_delivered(task, record.correlation, record.partition, -1, error_text.c_str());
            return INGEST_OK;
        });
    }
}

Status SourceTask::report_delivery(uint64_t correlation, int32_t partition, int64_t offset,
                                   const std::optional<std::string>& error) {
    const auto* api = impl_->plugin.descriptor().source;
    return impl_->call("record_delivered", [&](void* task, ingest_error*) {
        api->record_delivered(task, correlation, partition, offset, error ? error->c_str() : nullptr);
        return INGEST_OK;
    });
}

Status SourceTask::commit() {
    const auto* api = impl_->plugin.descriptor().source;
    return impl_->call("commit", [&](void* task, ingest_error* error) { return api->commit(task, error); });
}

Status SourceTask::run_to_end(std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        Status status = poll();
        deliver_all();
        if (status.end()) return commit();
        if (!status.ok() && !status.retriable()) return status;
        if (std::chrono::steady_clock::now() > until)
            return {INGEST_FATAL, "the source did not end within " + std::to_string(deadline.count()) + " ms"};
    }
}

}  // namespace ingest::harness
