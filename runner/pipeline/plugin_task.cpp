#include "pipeline/plugin_task.hpp"

#include "log/logging.hpp"
#include "pipeline/task_settings.hpp"

#include <cstdio>
#include <stdexcept>
#include <tuple>

namespace ingest::pipeline {
namespace {

void fill(ingest_error* error, const std::string& message) {
    if (error) std::snprintf(error->message, sizeof error->message, "%s", message.c_str());
}

}  // namespace

PluginTask::PluginTask(std::shared_ptr<plugin_host::PluginLibrary> library, std::string connector, int task_id,
                       int task_count, HostServices services)
    : library_(std::move(library)),
      connector_(std::move(connector)),
      label_(task_label(connector_, task_id)),
      services_(std::move(services)) {
    host_.abi_version = INGEST_ABI_MAJOR;
    host_.struct_size = sizeof(ingest_host);
    host_.context = this;
    host_.connector_name = connector_.c_str();
    host_.task_id = task_id;
    host_.task_count = task_count;
    host_.log = &PluginTask::host_log;
    host_.dead_letter = &PluginTask::host_dead_letter;
    host_.flush_dead_letters = &PluginTask::host_flush_dead_letters;
    host_.watermarks = &PluginTask::host_watermarks;
    host_.report_verdict = &PluginTask::host_report_verdict;
    host_.stopping = &PluginTask::host_stopping;
    host_.metric_add = &PluginTask::host_metric_add;
    host_.metric_set = &PluginTask::host_metric_set;
    host_.dead_letter_with_headers = &PluginTask::host_dead_letter_with_headers;
    host_.partition_count = &PluginTask::host_partition_count;

    ingest_error error{};
    void* created = nullptr;
    try {
        created = plugin().create(&host_, &error);
    } catch (...) {
        fill(&error, "create() threw an exception");
    }
    if (!created)
        throw std::runtime_error("plugin '" + std::string(plugin().name) + "' could not create task " + label_ +
                                 ": " + (error.message[0] ? error.message : "no reason given"));
    task_ = created;
}

PluginTask::~PluginTask() {
    try {
        plugin().destroy(task_);
    } catch (...) {
        log::error(label_) << "plugin '" << plugin().name << "' threw from destroy()";
    }
}

CallResult PluginTask::call(const char* what, const std::function<ingest_status(void*, ingest_error*)>& fn) {
    ingest_error error{};
    CallResult result;
    try {
        result.status = fn(task_, &error);
        result.message = error.message;
    } catch (const std::exception& e) {
        result = {INGEST_FATAL, std::string(what) + "() threw: " + e.what()};
    } catch (...) {
        result = {INGEST_FATAL, std::string(what) + "() threw an exception"};
    }
    if (result.status != INGEST_OK && result.status != INGEST_END && result.message.empty())
        result.message = std::string(what) + "() failed without a reason";
    return result;
}

CallResult PluginTask::start(const std::map<std::string, std::string>& config) {
    const sdk::OwnedConfig owned(config);
    return call("start", [&](void* task, ingest_error* error) { return plugin().start(task, &owned.raw(), error); });
}

CallResult PluginTask::stop() {
    return call("stop", [&](void* task, ingest_error* error) { return plugin().stop(task, error); });
}

void PluginTask::host_log(void* context, ingest_log_level level, const char* message) {
    if (level < INGEST_LOG_TRACE || level > INGEST_LOG_ERROR) level = INGEST_LOG_INFO;
    static_cast<PluginTask*>(context)->write_log(level, message ? message : "");
}

void PluginTask::write_log(ingest_log_level level, const std::string& message) {
    if (services_.log) return services_.log(level, message);
    log::write(static_cast<log::Level>(level), label_, message);
}

ingest_status PluginTask::host_dead_letter(void* context, const ingest_record* record, const char* reason,
                                           ingest_error* error) {
    return host_dead_letter_with_headers(context, record, reason, nullptr, 0, error);
}

ingest_status PluginTask::host_dead_letter_with_headers(void* context, const ingest_record* record,
                                                        const char* reason, const ingest_header* extra,
                                                        size_t extra_count, ingest_error* error) {
    auto* self = static_cast<PluginTask*>(context);
    if (!self->services_.dead_letter) {
        fill(error, "this task has no dead-letter topic");
        return INGEST_FATAL;
    }
    if (!extra && extra_count > 0) {
        fill(error, "dead_letter_with_headers: no headers at all but a count of " + std::to_string(extra_count));
        return INGEST_FATAL;
    }
    try {
        return self->services_.dead_letter(*record, reason ? reason : "",
                                           std::span<const ingest_header>(extra, extra ? extra_count : 0), error);
    } catch (const std::exception& e) {
        fill(error, e.what());
        return INGEST_RETRIABLE;
    }
}

ingest_status PluginTask::host_flush_dead_letters(void* context, ingest_error* error) {
    auto* self = static_cast<PluginTask*>(context);
    if (!self->services_.flush_dead_letters) return INGEST_OK;  // nothing can have been queued
    try {
        return self->services_.flush_dead_letters(error);
    } catch (const std::exception& e) {
        fill(error, e.what());
        return INGEST_RETRIABLE;
    }
}

int32_t PluginTask::host_partition_count(void* context, const char* topic, ingest_error* error) {
    auto* self = static_cast<PluginTask*>(context);
    if (!self->services_.partition_count) {
        fill(error, "this task has no topic to place records on");
        return -1;
    }
    try {
        return self->services_.partition_count(topic ? topic : "");
    } catch (const std::exception& e) {
        fill(error, e.what());
        return -1;
    }
}

ingest_status PluginTask::host_watermarks(void* context, const char* topic, int32_t partition, int64_t* low,
                                          int64_t* high, ingest_error* error) {
    auto* self = static_cast<PluginTask*>(context);
    if (!self->services_.watermarks) {
        fill(error, "this task cannot query the broker");
        return INGEST_FATAL;
    }
    try {
        std::tie(*low, *high) = self->services_.watermarks(topic, partition);
        return INGEST_OK;
    } catch (const std::exception& e) {
        fill(error, e.what());
        return INGEST_RETRIABLE;
    }
}

void PluginTask::host_report_verdict(void* context, int ok, const char* summary) {
    auto* self = static_cast<PluginTask*>(context);
    std::string text = summary ? summary : "";
    self->write_log(ok ? INGEST_LOG_INFO : INGEST_LOG_ERROR, "verdict: " + text);
    if (self->services_.report_verdict) self->services_.report_verdict(ok != 0, text);
}

int PluginTask::host_stopping(void* context) {
    auto* self = static_cast<PluginTask*>(context);
    return self->services_.stopping && self->services_.stopping() ? 1 : 0;
}

void PluginTask::host_metric_add(void* context, uint32_t index, double delta) {
    auto* self = static_cast<PluginTask*>(context);
    if (self->services_.metrics) self->services_.metrics->add(index, delta);
}

void PluginTask::host_metric_set(void* context, uint32_t index, double value) {
    auto* self = static_cast<PluginTask*>(context);
    if (self->services_.metrics) self->services_.metrics->set(index, value);
}

std::unique_ptr<metrics::PluginSeries> plugin_series(const TaskSettings& settings) {
    std::vector<metrics::PluginMetricDef> defs;
    for (const auto& def : settings.library->metrics())
        defs.push_back({def.name, def.type == INGEST_METRIC_GAUGE ? metrics::Type::gauge : metrics::Type::counter,
                        def.help ? def.help : ""});
    return settings.metrics->plugin_task(settings.library->name(), defs, settings.connector.name, settings.task_id);
}

}  // namespace ingest::pipeline
