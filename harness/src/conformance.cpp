// The conformance rules, and the child process each one runs in.
//
// A rule body runs in a fork()ed child with a fresh INGEST_CONFORMANCE_DIR; it reports progress
// ("which call is running") and its result over a pipe, so that the parent can name the call in
// which the plugin crashed or hung. Rules that need something the plugin does not do (a source
// rule on a sink, a rule needing a sample config that starts it) are skipped with a reason.
#include <ingest/conformance.hpp>

#include "config/config_table.hpp"
#include "config/connector_config.hpp"
#include "plugin_host/descriptor_reader.hpp"

#include <boost/json.hpp>

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>
#include <sstream>

// LeakSanitizer's interface, present only when the process runs under it (ASan or a preloaded
// liblsan): memory.no_leaks checks with it and is skipped without it.
extern "C" int __lsan_do_recoverable_leak_check() __attribute__((weak));

namespace ingest::conformance {
namespace {

using Clock = std::chrono::steady_clock;
using harness::Config;
using harness::Plugin;
using harness::Record;
using harness::SinkTask;
using harness::SourceTask;
using harness::Status;

// The longest one rule may take before its child is killed and the rule fails.
constexpr std::chrono::seconds kRuleDeadline{120};
// Bounds of single calls (lifecycle.prompt_stop and every timed call).
constexpr std::chrono::seconds kStartStopBound{10};
constexpr std::chrono::seconds kCallAfterStopBound{2};
constexpr size_t kHugeBytes = 1024 * 1024;

// A rule body ends by throwing one of these, or by returning what it saw pass.
struct Failed : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct Skipped : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What a rule body gets: the plugin file, the sample config, and a way to say which call runs.
struct Context {
    std::filesystem::path file;
    std::string sample_text;
    int progress_fd = -1;

    void note(const std::string& call) const {
        std::string line = "call " + call + "\n";
        [[maybe_unused]] auto written = ::write(progress_fd, line.data(), line.size());
    }

    // The sample config, parsed as a connector file ({"config": {...}} or the object alone) with
    // ${env:...} expanded; Failed when it is no connector config at all.
    Config sample() const {
        std::string text = sample_text.empty() ? "{}" : sample_text;
        boost::system::error_code ec;
        auto value = boost::json::parse(text, ec);
        if (!ec && value.is_object() && !value.as_object().contains("config"))
            text = boost::json::serialize(boost::json::object{{"config", value}});
        try {
            auto spec = config::parse_connector(text, "sample config", "sample", config::process_env());
            if (!spec.problems.empty()) {
                std::string problems;
                for (const auto& p : spec.problems) problems += " " + p.key + ": " + p.message + ";";
                throw Failed("the sample config cannot be read:" + problems);
            }
            return spec.raw;
        } catch (const config::ConfigError& e) {
            throw Failed(std::string("the sample config cannot be read: ") + e.what());
        }
    }

    Plugin load() const {
        try {
            return Plugin::load(file);
        } catch (const harness::LoadError& e) {
            throw Skipped(std::string("the plugin does not load (see abi.* and describe.complete): ") + e.what());
        }
    }
};

std::string seconds(Clock::duration d) {
    std::ostringstream out;
    out.precision(2);
    out << std::fixed << std::chrono::duration<double>(d).count() << " s";
    return out.str();
}

// Runs one call, noting it for the parent, and fails the rule when it takes longer than `bound`.
Status timed(const Context& ctx, const std::string& what, Clock::duration bound, const std::function<Status()>& call) {
    ctx.note(what);
    const auto began = Clock::now();
    Status status = call();
    const auto took = Clock::now() - began;
    if (took > bound) throw Failed(what + " took " + seconds(took) + " (at most " + seconds(bound) + ")");
    return status;
}

// "a; b; c".
std::string joined(const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& part : parts) text += (text.empty() ? "" : "; ") + part;
    return text;
}

// A task of the plugin's kind, not started.
std::unique_ptr<harness::Task> new_task(const Context& ctx, const Plugin& plugin, const Config& config) {
    ctx.note("create()");
    if (plugin.kind() == INGEST_KIND_SINK) return std::make_unique<SinkTask>(plugin, config);
    return std::make_unique<SourceTask>(plugin, config);
}

template <class T>
std::unique_ptr<T> started_task(const Context& ctx, const Plugin& plugin) {
    const Config sample = ctx.sample();
    if (!plugin.check_config(sample).empty())
        throw Skipped("the sample config is not valid (see config.sample_accepted)");
    ctx.note("create()");
    auto task = std::make_unique<T>(plugin, sample);
    Status started = timed(ctx, "start()", kStartStopBound, [&] { return task->start(); });
    if (!started.ok()) throw Skipped("the sample config does not start the plugin (see config.sample_accepted)");
    return task;
}

std::unique_ptr<SinkTask> started_sink(const Context& ctx, const Plugin& plugin) {
    if (plugin.kind() != INGEST_KIND_SINK) throw Skipped("a rule for sinks");
    auto task = started_task<SinkTask>(ctx, plugin);
    Status opened = timed(ctx, "open()", kStartStopBound, [&] { return task->open({{harness::kTopic, 0}}); });
    if (!opened.ok()) throw Failed("open() of partition 0 failed: " + opened.message);
    return task;
}

std::unique_ptr<SourceTask> started_source(const Context& ctx, const Plugin& plugin) {
    if (plugin.kind() != INGEST_KIND_SOURCE) throw Skipped("a rule for sources");
    return started_task<SourceTask>(ctx, plugin);
}

// Records no sink can take as they are: every kind of broken bytes a topic may hold.
std::vector<Record> malformed_records() {
    std::vector<Record> out;
    out.push_back(harness::record("bad-utf8", std::string("\xff\xfe\xc3\x28 not utf-8")));
    out.push_back(harness::record("nul", std::string("{\"a\":\"x\0y\"}", 12)));
    out.push_back(harness::record("truncated", "{\"event_id\": \"0000"));
    out.push_back(harness::record("empty", ""));
    out.push_back(harness::record(std::nullopt, "{\"no\": \"key\"}"));
    out.push_back(harness::record("not-json", "<xml/>"));
    Record with_headers = harness::record("headers", "{}");
    with_headers.headers = {{"", ""}, {"h", std::string("\0\xff", 2)}};
    out.push_back(with_headers);
    return out;
}

// A put() a runner could live with: OK, or refused with a message. RETRIABLE is retried a few
// times, as the runner would: one that never goes through would stall its partition forever.
Status put_settled(const Context& ctx, SinkTask& task, const std::vector<Record>& batch, const std::string& what) {
    Status status;
    for (int attempt = 0; attempt < 3; ++attempt) {
        status = timed(ctx, "put() of " + what, kStartStopBound, [&] { return task.put(batch); });
        if (!status.retriable()) break;
    }
    if (status.retriable())
        throw Failed("put() of " + what + " stays RETRIABLE (" + status.message +
                     "): its partition would stall forever; apply it, dead-letter it or fail FATAL");
    if (status.fatal() && status.message.empty()) throw Failed("put() of " + what + " failed FATAL without a reason");
    for (const auto& letter : task.host().dead_letters())
        if (letter.reason.empty())
            throw Failed("a dead letter from put() of " + what + " has no reason: the operator cannot tell why");
    return status;
}

std::string outcome_of(const Status& status, size_t dead_letters) {
    if (status.ok()) return "put() OK, " + std::to_string(dead_letters) + " dead-lettered";
    return "put() refused: " + status.message;
}

// ---- the rules ------------------------------------------------------------------------------------

// The descriptor as the plugin exports it, before the runner's loader reads it.
const ingest_plugin* raw_descriptor(const Context& ctx) {
    ctx.note("dlopen()");
    void* handle = dlopen(ctx.file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw Failed(std::string("cannot be loaded: ") + dlerror());
    auto entry = reinterpret_cast<ingest_plugin_entry_fn>(dlsym(handle, INGEST_PLUGIN_ENTRY_SYMBOL));
    if (!entry) throw Failed(std::string("exports no ") + INGEST_PLUGIN_ENTRY_SYMBOL);
    ctx.note(std::string(INGEST_PLUGIN_ENTRY_SYMBOL) + "()");
    const ingest_plugin* raw = entry();
    if (!raw) throw Failed(std::string(INGEST_PLUGIN_ENTRY_SYMBOL) + "() returned no descriptor");
    return raw;
}

uint32_t minor_of(const ingest_plugin& raw) {
    return INGEST_STRUCT_HAS(&raw, ingest_plugin, abi_minor) ? raw.abi_minor : 0;
}

std::string abi_version(const Context& ctx) {
    const ingest_plugin* raw = raw_descriptor(ctx);
    const std::string runner = std::to_string(INGEST_ABI_MAJOR) + "." + std::to_string(INGEST_ABI_MINOR);
    if (raw->abi_version != INGEST_ABI_MAJOR)
        throw Failed("built for ABI major " + std::to_string(raw->abi_version) + ", this runner speaks " + runner +
                     ": rebuild it against this SDK");
    const std::string plugin = std::to_string(raw->abi_version) + "." + std::to_string(minor_of(*raw));
    if (minor_of(*raw) > INGEST_ABI_MINOR)
        return "built for ABI " + plugin + ", newer than this runner's " + runner +
               " (it loads; what " + runner + " lacks reads as absent)";
    return "built for ABI " + plugin + " (runner " + runner + ")";
}

// A table the plugin says is of this runner's minor must be at least this runner's size of it.
void check_current_sizes(const ingest_plugin& raw, std::vector<std::string>& problems) {
    if (raw.abi_version != INGEST_ABI_MAJOR || minor_of(raw) < INGEST_ABI_MINOR) return;
    auto check = [&](const char* what, uint32_t size, size_t expected) {
        if (size < expected)
            problems.push_back(std::string(what) + " is " + std::to_string(size) + " bytes but ABI 1." +
                               std::to_string(INGEST_ABI_MINOR) + "'s is " + std::to_string(expected) +
                               " (built with a mismatched header?)");
    };
    check("the descriptor", raw.struct_size, sizeof(ingest_plugin));
    if (raw.source) check("the source table", raw.source->struct_size, sizeof(ingest_source_api));
    if (raw.sink) check("the sink table", raw.sink->struct_size, sizeof(ingest_sink_api));
    if (raw.config_key_count > 0 && raw.config_keys)
        check("a config key row", raw.config_keys[0].struct_size, sizeof(ingest_config_key));
}

// What abi.struct_sizes reports of a descriptor of this runner's major: what the runner's reader
// cannot read, and tables smaller than the minor the plugin claims.
std::vector<std::string> struct_size_problems(const ingest_plugin& raw) {
    std::vector<std::string> problems;
    plugin_host::ReadDescriptor read;
    if (auto reader = plugin_host::read_descriptor(raw, read); !reader.empty()) problems.push_back(reader);
    check_current_sizes(raw, problems);
    return problems;
}

std::string abi_struct_sizes(const Context& ctx) {
    const ingest_plugin* raw = raw_descriptor(ctx);
    if (raw->abi_version != INGEST_ABI_MAJOR) throw Skipped("another ABI major (see abi.version)");
    if (auto problems = struct_size_problems(*raw); !problems.empty()) throw Failed(joined(problems));
    return "descriptor " + std::to_string(raw->struct_size) + " bytes, tables readable";
}

std::string describe_complete(const Context& ctx) {
    // What abi.* check is theirs to report.
    const ingest_plugin* raw = raw_descriptor(ctx);
    if (raw->abi_version != INGEST_ABI_MAJOR || !struct_size_problems(*raw).empty())
        throw Skipped("the descriptor cannot be read (see abi.version, abi.struct_sizes)");
    Plugin plugin = [&] {
        try {
            ctx.note("load");
            return Plugin::load(ctx.file);
        } catch (const harness::LoadError& e) {
            throw Failed(e.what());
        }
    }();
    const ingest_plugin& d = plugin.descriptor();
    std::vector<std::string> problems;
    if (!d.version || !*d.version) problems.push_back("no version");
    if (!d.description || !*d.description) problems.push_back("no description");
    for (size_t i = 0; i < d.config_key_count; ++i) {
        const ingest_config_key& key = d.config_keys[i];
        const std::string name = key.name;
        if (!key.documentation || !*key.documentation) problems.push_back("config key '" + name + "' is not documented");
        if (key.has_min && key.has_max && key.min > key.max)
            problems.push_back("config key '" + name + "': its minimum is above its maximum");
        if ((key.has_min || key.has_max) && key.type != INGEST_CONFIG_INT && key.type != INGEST_CONFIG_DOUBLE)
            problems.push_back("config key '" + name + "': bounds on a key that is no number");
        if (key.allowed_values && !key.allowed_values[0])
            problems.push_back("config key '" + name + "': an empty list of allowed values accepts nothing");
    }
    if (!problems.empty()) throw Failed(joined(problems));
    return std::to_string(d.config_key_count) + " keys and " + std::to_string(d.metric_count) +
           " metrics, each typed and documented";
}

std::string config_sample_accepted(const Context& ctx) {
    Plugin plugin = ctx.load();
    const Config sample = ctx.sample();
    if (auto problems = plugin.check_config(sample); !problems.empty()) {
        std::vector<std::string> lines;
        for (const auto& p : problems) lines.push_back((p.key.empty() ? "" : p.key + ": ") + p.message);
        throw Failed("the runner refuses the sample config: " + joined(lines) +
                     (ctx.sample_text.empty() ? " (give one with --config)" : ""));
    }
    auto task = new_task(ctx, plugin, sample);
    Status started = timed(ctx, "start()", kStartStopBound, [&] { return task->start(); });
    if (!started.ok())
        throw Failed(std::string("start() with the sample config: ") + harness::status_name(started.code) + ": " +
                     started.message);
    Status stopped = timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
    if (!stopped.ok()) throw Failed("stop() after start(): " + stopped.message);
    return "valid, and start() and stop() accept it";
}

// Table-valid values other than `current` for one key: what the plugin's validate() may object to.
std::vector<std::string> other_values(const ingest_config_key& key, const std::string& current) {
    std::vector<std::string> out;
    auto add = [&](const std::string& v) {
        if (v != current && !config::check_value(key, v) && std::find(out.begin(), out.end(), v) == out.end())
            out.push_back(v);
    };
    switch (key.type) {
        case INGEST_CONFIG_BOOL: add(current == "true" ? "false" : "true"); break;
        case INGEST_CONFIG_INT:
        case INGEST_CONFIG_DOUBLE: {
            auto number = [&](double v) {
                if (key.type == INGEST_CONFIG_INT) {
                    if (std::fabs(v) > 9.2e18) return;
                    add(std::to_string(static_cast<long long>(v)));
                } else {
                    std::ostringstream text;
                    text << v;
                    add(text.str());
                }
            };
            if (key.has_min) number(key.min);
            if (key.has_max) number(key.max);
            number(0);
            number(-1);
            break;
        }
        case INGEST_CONFIG_STRING:
        case INGEST_CONFIG_PASSWORD:
            if (key.allowed_values)
                for (auto v = key.allowed_values; *v; ++v) add(*v);
            else {
                add("");
                add("x");
            }
            break;
    }
    return out;
}

std::string config_errors_at_once(const Context& ctx) {
    Plugin plugin = ctx.load();
    const ingest_plugin& d = plugin.descriptor();
    if (!d.validate) throw Skipped("no validate() hook: the runner's checks of each key report every problem");
    Config base;
    try {
        base = plugin.resolve_config(ctx.sample());
    } catch (const harness::ConfigError&) {
        throw Skipped("the sample config is not valid (see config.sample_accepted)");
    }
    // Calls validate() as the runner does; Failed when it gives up instead of reporting.
    auto validate = [&](const Config& values, const std::string& what) {
        const sdk::OwnedConfig owned(values);
        std::set<std::string> keys;
        auto report = [](void* context, const char* key, const char*) {
            static_cast<std::set<std::string>*>(context)->insert(key ? key : "");
        };
        ingest_error error{};
        ingest_status status = INGEST_FATAL;
        ctx.note("validate() with " + what);
        try {
            status = d.validate(&owned.raw(), report, &keys, &error);
        } catch (...) {
            throw Failed("validate() threw with " + what + ": it must report problems and return OK");
        }
        if (status != INGEST_OK)
            throw Failed("validate() returned " + std::string(harness::status_name(status)) + " with " + what + " (" +
                         error.message + "): it must report each problem and return OK");
        return keys;
    };
    validate(base, "the sample config");
    // Each key changed alone: the problems validate() reports about that key.
    Config combined = base;
    std::set<std::string> expected;
    for (size_t i = 0; i < d.config_key_count; ++i) {
        const ingest_config_key& key = d.config_keys[i];
        for (const auto& value : other_values(key, base.count(key.name) ? base.at(key.name) : "")) {
            Config one = base;
            one[key.name] = value;
            if (validate(one, std::string(key.name) + "=\"" + value + "\"").count(key.name)) {
                combined[key.name] = value;
                expected.insert(key.name);
                break;
            }
        }
    }
    if (expected.size() < 2)
        return "validate() reports problems and returns OK (fewer than two keys it objects to alone: nothing to combine)";
    auto reported = validate(combined, "every such change at once");
    std::string missing;
    for (const auto& key : expected)
        if (!reported.count(key)) missing += (missing.empty() ? "" : ", ") + key;
    if (!missing.empty())
        throw Failed("with several problems at once, validate() did not report: " + missing +
                     " (each was reported alone): it stops at the first problem");
    return std::to_string(expected.size()) + " problems reported together";
}

std::string lifecycle_idempotent(const Context& ctx) {
    Plugin plugin = ctx.load();
    const Config sample = ctx.sample();
    if (!plugin.check_config(sample).empty()) throw Skipped("the sample config is not valid (see config.sample_accepted)");
    auto make = [&] { return new_task(ctx, plugin, sample); };
    {
        auto never_started = make();
        ctx.note("destroy() without start()");
    }
    auto task = make();
    if (!timed(ctx, "start()", kStartStopBound, [&] { return task->start(); }).ok())
        throw Skipped("the sample config does not start the plugin (see config.sample_accepted)");
    Status first = timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
    if (!first.ok()) throw Failed("stop(): " + first.message);
    Status second = timed(ctx, "a second stop()", kStartStopBound, [&] { return task->stop(); });
    if (!second.ok()) throw Failed("a second stop() failed (" + second.message + "): stop must be idempotent");
    ctx.note("destroy()");
    task.reset();
    return "destroy without start, stop twice, destroy: all fine";
}

std::string lifecycle_prompt_stop(const Context& ctx) {
    Plugin plugin = ctx.load();
    std::string seen;
    if (plugin.kind() == INGEST_KIND_SOURCE) {
        auto task = started_source(ctx, plugin);
        for (int i = 0; i < 5; ++i) {
            Status polled = timed(ctx, "poll()", kStartStopBound, [&] { return task->poll(); });
            task->deliver_all();
            if (!polled.ok()) break;
        }
        task->host().request_stop();
        timed(ctx, "poll() once the host asked to stop", kCallAfterStopBound, [&] { return task->poll(); });
        task->deliver_all();
        timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
        seen = "poll() returned promptly once asked to stop";
    } else {
        auto task = started_sink(ctx, plugin);
        task->host().request_stop();
        timed(ctx, "put() once the host asked to stop", kCallAfterStopBound,
              [&] { return task->put(malformed_records()); });
        timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
        seen = "put() returned promptly once asked to stop";
    }
    return seen + ", stop() within " + seconds(kStartStopBound);
}

std::string records_empty_batch(const Context& ctx) {
    Plugin plugin = ctx.load();
    auto task = started_sink(ctx, plugin);
    Status put = timed(ctx, "put() of an empty batch", kStartStopBound, [&] { return task->put({}); });
    if (!put.ok())
        throw Failed("put() of an empty batch (the runner's idle tick) returned " +
                     std::string(harness::status_name(put.code)) + ": " + put.message);
    Status committed = timed(ctx, "pre_commit()", kStartStopBound, [&] { return task->pre_commit(); });
    if (!committed.ok()) throw Failed("pre_commit() after an empty batch: " + committed.message);
    timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
    return "put() of nothing and pre_commit() OK";
}

std::string records_tombstone(const Context& ctx) {
    Plugin plugin = ctx.load();
    auto task = started_sink(ctx, plugin);
    Record keyless;
    keyless.key.reset();
    keyless.value.reset();
    Status status = put_settled(ctx, *task, {harness::tombstone("tombstoned-key"), keyless}, "tombstones");
    timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
    return outcome_of(status, task->host().dead_letters().size());
}

std::string records_huge(const Context& ctx) {
    Plugin plugin = ctx.load();
    auto task = started_sink(ctx, plugin);
    Record huge = harness::record(std::string(64 * 1024, 'k'), std::string(kHugeBytes, 'v'));
    for (int i = 0; i < 100; ++i) huge.headers.push_back({"header-" + std::to_string(i), std::string(1024, 'h')});
    Status status = put_settled(ctx, *task, {huge}, "a 1 MiB record with a 64 KiB key and 100 headers");
    timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
    return outcome_of(status, task->host().dead_letters().size());
}

std::string records_malformed(const Context& ctx) {
    Plugin plugin = ctx.load();
    auto task = started_sink(ctx, plugin);
    Status status = put_settled(ctx, *task, malformed_records(), "malformed records");
    timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
    return outcome_of(status, task->host().dead_letters().size());
}

std::string source_delivery_failure(const Context& ctx) {
    Plugin plugin = ctx.load();
    auto task = started_source(ctx, plugin);
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (task->emitted().empty()) {
        Status polled = timed(ctx, "poll()", kStartStopBound, [&] { return task->poll(); });
        if (!polled.ok() || Clock::now() > until) break;
    }
    if (task->emitted().empty()) throw Skipped("the source emitted nothing with the sample config");
    const size_t refused = task->emitted().size();
    const harness::Emitted first = task->emitted().front();
    const std::string refusal = "Broker: Message size too large (refused by the conformance suite)";
    task->fail_all(refusal);
    // The loss must surface: a failing poll() or commit(), the record emitted again, or at least
    // a warning that names the broker's refusal (a source whose own records say what was lost).
    for (const auto& line : task->host().logs())
        if (line.level >= INGEST_LOG_WARN && line.message.find("Message size too large") != std::string::npos)
            return "the refusal was logged: " + line.message.substr(0, 200);
    for (int i = 0; i < 20; ++i) {
        Status polled = timed(ctx, "poll() after a refused delivery", kStartStopBound, [&] { return task->poll(); });
        for (size_t j = refused; j < task->emitted().size(); ++j)
            if (task->emitted()[j].key == first.key && task->emitted()[j].value == first.value)
                return "the refused record was emitted again";
        task->deliver_all();
        if (polled.fatal() || polled.retriable()) return "poll() failed: " + polled.message;
        if (polled.end()) break;
    }
    Status committed = timed(ctx, "commit() after a refused delivery", kStartStopBound, [&] { return task->commit(); });
    if (!committed.ok()) return "commit() failed: " + committed.message;
    throw Failed(std::to_string(refused) + " records refused by the broker vanished: no poll() or commit() failed "
                 "and none was emitted again or logged as lost");
}

std::string errors_contained(const Context& ctx) {
    Plugin plugin = ctx.load();
    auto check = [&](harness::Task& task, const std::string& where) {
        if (task.host().exception_escaped())
            throw Failed("an exception crossed the C boundary (" + where +
                         "): catch it in the plugin and return FATAL with its message (the C++ SDK does)");
    };
    if (plugin.kind() == INGEST_KIND_SINK) {
        auto task = started_sink(ctx, plugin);
        for (const auto& batch : {std::vector<Record>{}, malformed_records(),
                                  std::vector<Record>{harness::tombstone("k")},
                                  std::vector<Record>{harness::record("k", std::string(kHugeBytes, 'v'))}}) {
            timed(ctx, "put()", kStartStopBound, [&] { return task->put(batch); });
            check(*task, "put()");
        }
        timed(ctx, "pre_commit()", kStartStopBound, [&] { return task->pre_commit(); });
        timed(ctx, "close()", kStartStopBound, [&] { return task->close(); });
        timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
        check(*task, "pre_commit(), close() or stop()");
    } else {
        auto task = started_source(ctx, plugin);
        for (int i = 0; i < 20; ++i) {
            Status polled = timed(ctx, "poll()", kStartStopBound, [&] { return task->poll(); });
            check(*task, "poll()");
            if (i == 0) task->fail_all("refused by the conformance suite");
            task->deliver_all();
            check(*task, "record_delivered()");
            if (!polled.ok()) break;
        }
        timed(ctx, "commit()", kStartStopBound, [&] { return task->commit(); });
        timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
        check(*task, "commit() or stop()");
    }
    return "no call threw";
}

std::string sink_retriable_applies_nothing(const Context& ctx) {
    Plugin plugin = ctx.load();
    if (plugin.kind() != INGEST_KIND_SINK) throw Skipped("a rule for sinks");
    if (!plugin.descriptor().sink->owns_offsets)
        throw Skipped("the sink does not store offsets: the runner commits them after an OK put() only");
    auto task = started_sink(ctx, plugin);
    auto stored = [&] {
        ctx.note("close() and open() to read the stored offsets");
        return task->stored_offsets();
    };
    const harness::Offsets before = stored();
    std::string seen;
    // 1. The host refuses the dead letters: put() must not succeed, nor store anything.
    task->host().refuse_dead_letters();
    Status refused = timed(ctx, "put() with dead letters refused", kStartStopBound,
                           [&] { return task->put(malformed_records()); });
    task->host().refuse_dead_letters(false);
    if (refused.ok() && task->host().dead_letters_refused() > 0)
        throw Failed("put() returned OK although the host refused its dead letters: those records are lost");
    if (!refused.ok()) {
        if (stored() != before)
            throw Failed("put() returned " + std::string(harness::status_name(refused.code)) +
                         " but the stored offsets moved: part of the batch was applied");
        seen = "refused dead letters: put() " + std::string(harness::status_name(refused.code)) + ", nothing stored";
    }
    // 2. The dead letters are queued but never confirmed: the offsets must not move past them.
    const harness::Offsets before_unconfirmed = stored();
    task->host().fail_dead_letter_flush();
    Status unconfirmed = timed(ctx, "put() with dead letters unconfirmed", kStartStopBound,
                               [&] { return task->put(malformed_records()); });
    bool queued = false;
    for (const auto& letter : task->host().dead_letters()) queued = queued || !letter.confirmed;
    if (queued && stored() != before_unconfirmed)
        throw Failed("the stored offsets moved past records whose dead letters the broker never confirmed "
                     "(call flush_dead_letters() before storing offsets): a crash now would lose them");
    task->host().fail_dead_letter_flush(false);
    if (seen.empty() && !queued)
        throw Skipped("the sink dead-lettered none of the malformed records, so no failure could be injected");
    if (queued) seen += std::string(seen.empty() ? "" : "; ") + "unconfirmed dead letters: put() " +
                        harness::status_name(unconfirmed.code) + ", offsets unchanged";
    timed(ctx, "stop()", kStartStopBound, [&] { return task->stop(); });
    return seen;
}

std::string memory_no_leaks(const Context& ctx) {
    if (!__lsan_do_recoverable_leak_check)
        throw Skipped("not running under LeakSanitizer (LD_PRELOAD=liblsan.so.0 ingest plugin check ..., or an "
                      "ASan build)");
    {
        Plugin plugin = ctx.load();
        for (int round = 0; round < 3; ++round) {
            if (plugin.kind() == INGEST_KIND_SINK) {
                auto task = started_sink(ctx, plugin);
                task->put(malformed_records());
                task->put({harness::tombstone("k")});
                task->pre_commit();
                task->close();
                task->stop();
            } else {
                auto task = started_source(ctx, plugin);
                for (int i = 0; i < 10 && task->poll().ok(); ++i) task->deliver_all();
                task->commit();
                task->stop();
            }
        }
        ctx.note("unload");
    }
    ctx.note("the leak check");
    if (__lsan_do_recoverable_leak_check() != 0)
        throw Failed("memory leaked over 3 lifecycles and an unload (LeakSanitizer's report is above)");
    return "3 lifecycles and an unload leak nothing";
}

struct RuleBody {
    Rule rule;
    std::string (*body)(const Context&);
};

const std::vector<RuleBody>& bodies() {
    static const std::vector<RuleBody> all = {
        {{"abi.version", "built for this runner's ABI major, or the runner refuses to load it"}, abi_version},
        {{"abi.struct_sizes", "every table declares a size the runner can read, so fields added later read as "
                              "absent, not garbage"},
         abi_struct_sizes},
        {{"describe.complete", "name, version, description, and every key and metric typed and documented with "
                               "defaults valid against their own bounds: docs and validation come from it"},
         describe_complete},
        {{"config.sample_accepted", "the sample config passes the runner's validation and start() accepts it"},
         config_sample_accepted},
        {{"config.errors_at_once", "validate() reports every problem of a bad config at once and returns OK; it "
                                   "never stops at the first, fails or throws"},
         config_errors_at_once},
        {{"lifecycle.idempotent", "destroy without start, and stop twice, are harmless: the runner calls them on "
                                  "every error path"},
         lifecycle_idempotent},
        {{"lifecycle.prompt_stop", "once the host asks to stop, poll()/put() return within 2 s and stop() within "
                                   "10 s, so a worker never hangs on shutdown"},
         lifecycle_prompt_stop},
        {{"records.empty_batch", "an empty put() is the runner's idle tick: it succeeds"}, records_empty_batch},
        {{"records.tombstone", "a tombstone (null value, with or without a key) is applied, dead-lettered or "
                               "refused with a reason, never a crash or an endless retry"},
         records_tombstone},
        {{"records.huge", "a 1 MiB record with a 64 KiB key and 100 headers is handled or refused with a "
                          "reason, never a crash or a hang"},
         records_huge},
        {{"records.malformed", "malformed bytes (bad UTF-8, NUL, truncated JSON, empty, no key) are handled, or "
                               "dead-lettered or refused with a reason, never a crash"},
         records_malformed},
        {{"source.delivery_failure", "a record the broker refused is never forgotten silently: the next poll() or "
                                     "commit() fails, the record is emitted again, or a warning names the refusal"},
         source_delivery_failure},
        {{"errors.contained", "no C++ exception crosses the C boundary: the plugin returns FATAL with a message"},
         errors_contained},
        {{"sink.retriable_applies_nothing", "a put() that fails (dead letters refused or unconfirmed) stores no "
                                            "offsets, so the redelivered batch is applied exactly once"},
         sink_retriable_applies_nothing},
        {{"memory.no_leaks", "three lifecycles and an unload leak no memory (checked under LeakSanitizer)"},
         memory_no_leaks},
    };
    return all;
}

// ---- the child process ---------------------------------------------------------------------------

std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

[[noreturn]] void run_child(const RuleBody& rule, const std::filesystem::path& file, const std::string& sample,
                            int fd) {
    Context ctx{file, sample, fd};
    std::string line;
    try {
        line = "pass " + one_line(rule.body(ctx));
    } catch (const Skipped& e) {
        line = "skip " + one_line(e.what());
    } catch (const Failed& e) {
        line = "fail " + one_line(e.what());
    } catch (const std::exception& e) {
        line = "fail " + one_line(e.what());
    } catch (...) {
        line = "fail an exception that is no std::exception reached the suite";
    }
    line = "result " + line + "\n";
    [[maybe_unused]] auto written = ::write(fd, line.data(), line.size());
    ::close(fd);
    std::_Exit(0);
}

Result run_rule(const RuleBody& rule, const std::filesystem::path& file, const std::string& sample) {
    Result result{rule.rule, Outcome::fail, {}};
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ingest-conformance-XXXXXX";
    std::vector<char> dir_buffer(pattern.begin(), pattern.end());
    dir_buffer.push_back('\0');
    if (!::mkdtemp(dir_buffer.data())) {
        result.detail = "cannot make a temporary directory in " + pattern + ": " + strerror(errno);
        return result;
    }
    const std::filesystem::path dir = dir_buffer.data();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        result.detail = std::string("pipe: ") + strerror(errno);
        return result;
    }
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        ::setenv("INGEST_CONFORMANCE_DIR", dir.c_str(), 1);
        run_child(rule, file, sample, fds[1]);
    }
    ::close(fds[1]);
    std::string buffer, last_call, final_line;
    const auto deadline = Clock::now() + kRuleDeadline;
    bool timed_out = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000))) <= 0) continue;
        char chunk[4096];
        ssize_t n = ::read(fds[0], chunk, sizeof chunk);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<size_t>(n));
        for (size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
            std::string line = buffer.substr(0, nl);
            if (line.starts_with("call ")) last_call = line.substr(5);
            else if (line.starts_with("result ")) final_line = line.substr(7);
        }
    }
    ::close(fds[0]);
    if (timed_out) ::kill(pid, SIGKILL);
    int wstatus = 0;
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);

    const std::string during = last_call.empty() ? "" : " during " + last_call;
    if (timed_out) {
        result.detail = "did not finish within " + std::to_string(kRuleDeadline.count()) + " s (hung" + during + ")";
    } else if (!final_line.empty()) {
        auto space = final_line.find(' ');
        const std::string outcome = final_line.substr(0, space);
        result.outcome = outcome == "pass" ? Outcome::pass : outcome == "skip" ? Outcome::skip : Outcome::fail;
        result.detail = space == std::string::npos ? "" : final_line.substr(space + 1);
    } else if (WIFSIGNALED(wstatus)) {
        const char* name = sigabbrev_np(WTERMSIG(wstatus));
        result.detail = "crashed (SIG" + std::string(name ? name : "?") + ")" + during;
    } else {
        result.detail = "the process exited (status " + std::to_string(WEXITSTATUS(wstatus)) + ")" + during +
                        ": a plugin must never exit the runner";
    }
    return result;
}

}  // namespace

const std::vector<Rule>& rules() {
    static const std::vector<Rule> all = [] {
        std::vector<Rule> out;
        for (const auto& body : bodies()) out.push_back(body.rule);
        return out;
    }();
    return all;
}

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::pass: return "PASS";
        case Outcome::fail: return "FAIL";
        case Outcome::skip: return "SKIP";
    }
    return "?";
}

Result check(const std::filesystem::path& plugin, const std::string& sample_config, const std::string& rule) {
    for (const auto& body : bodies())
        if (body.rule.name == rule) return run_rule(body, plugin, sample_config);
    throw std::invalid_argument("no conformance rule '" + rule + "'");
}

std::vector<Result> check_all(const std::filesystem::path& plugin, const std::string& sample_config) {
    std::vector<Result> results;
    for (const auto& body : bodies()) results.push_back(run_rule(body, plugin, sample_config));
    return results;
}

std::string describe(const Result& result) {
    std::string text = std::string(outcome_name(result.outcome)) + " " + result.rule.name + ": " + result.detail;
    if (result.outcome == Outcome::fail) text += "\n  rule: " + result.rule.reason;
    return text;
}

}  // namespace ingest::conformance
