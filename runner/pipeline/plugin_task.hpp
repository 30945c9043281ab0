// One task object of a plugin, and the host services it sees. Every call into the plugin goes
// through call(), which turns a throwing plugin (one not built with the SDK's guards) into a
// FATAL status instead of a crashed runner.
#pragma once

#include "metrics/metrics.hpp"
#include "plugin_host/plugin_library.hpp"

#include <ingest/plugin_abi.h>

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ingest::pipeline {

struct CallResult {
    ingest_status status = INGEST_OK;
    std::string message;
    bool ok() const { return status == INGEST_OK; }
};

// What the host offers a task, as plain functions the task's worker provides.
struct HostServices {
    // `extra`: the plugin's own headers (ABI 1.4's dead_letter_with_headers; empty otherwise).
    std::function<ingest_status(const ingest_record&, const char* reason, std::span<const ingest_header> extra,
                                ingest_error*)>
        dead_letter;
    std::function<ingest_status(ingest_error*)> flush_dead_letters;
    std::function<std::pair<int64_t, int64_t>(const std::string& topic, int32_t partition)> watermarks;
    // Sources: a topic's partition count (an empty name: the connector's topic); throws when unknown.
    std::function<int32_t(const std::string& topic)> partition_count;
    std::function<void(bool ok, const std::string& summary)> report_verdict;
    // Receives the plugin's log lines; unset: they go to the runner's log under the task's label.
    std::function<void(ingest_log_level level, const std::string& message)> log;
    // True once the task should stop: plugins waiting inside a call (retries) return early.
    std::function<bool()> stopping;
    // The task's series of the plugin's declared metrics (ABI 1.2); null: the calls are ignored.
    // Not a std::function: it is called on the hot path.
    metrics::PluginSeries* metrics = nullptr;
};

struct TaskSettings;
// The series of the plugin's declared metrics for one task, registered in settings.metrics.
std::unique_ptr<metrics::PluginSeries> plugin_series(const TaskSettings& settings);

class PluginTask {
   public:
    // Creates the task object; throws std::runtime_error when create() fails.
    PluginTask(std::shared_ptr<plugin_host::PluginLibrary> library, std::string connector, int task_id,
               int task_count, HostServices services);
    ~PluginTask();
    PluginTask(const PluginTask&) = delete;
    PluginTask& operator=(const PluginTask&) = delete;

    CallResult start(const std::map<std::string, std::string>& config);
    CallResult stop();

    // Runs `fn(task, error)` with the plugin's task object, guarding against exceptions.
    CallResult call(const char* what, const std::function<ingest_status(void*, ingest_error*)>& fn);

    const ingest_plugin& plugin() const { return library_->descriptor(); }
    const std::string& label() const { return label_; }

   private:
    // A line of the plugin's (or about it) to services_.log, else the runner's log.
    void write_log(ingest_log_level level, const std::string& message);

    static void host_log(void* context, ingest_log_level level, const char* message);
    static ingest_status host_dead_letter(void* context, const ingest_record* record, const char* reason,
                                          ingest_error* error);
    static ingest_status host_dead_letter_with_headers(void* context, const ingest_record* record,
                                                       const char* reason, const ingest_header* extra,
                                                       size_t extra_count, ingest_error* error);
    static ingest_status host_flush_dead_letters(void* context, ingest_error* error);
    static int32_t host_partition_count(void* context, const char* topic, ingest_error* error);
    static ingest_status host_watermarks(void* context, const char* topic, int32_t partition, int64_t* low,
                                         int64_t* high, ingest_error* error);
    static void host_report_verdict(void* context, int ok, const char* summary);
    static int host_stopping(void* context);
    static void host_metric_add(void* context, uint32_t index, double delta);
    static void host_metric_set(void* context, uint32_t index, double value);

    std::shared_ptr<plugin_host::PluginLibrary> library_;  // keeps the code mapped while task_ lives
    std::string connector_;
    std::string label_;  // "<connector>-<task>", the log component
    HostServices services_;
    ingest_host host_{};
    void* task_ = nullptr;
};

}  // namespace ingest::pipeline
