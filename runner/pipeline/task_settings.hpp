// What a task thread needs to run one task of a connector.
#pragma once

#include "config/connector_config.hpp"
#include "metrics/metrics.hpp"
#include "plugin_host/plugin_library.hpp"

#include <memory>
#include <string>

namespace ingest::pipeline {

// "<connector>-<task>": how a task is named in logs and errors.
inline std::string task_label(const std::string& connector, int task_id) {
    return connector + "-" + std::to_string(task_id);
}

struct TaskSettings {
    config::ConnectorConfig connector;
    std::shared_ptr<plugin_host::PluginLibrary> library;
    int task_id = 0;
    std::string bootstrap;
    // Where the task records its metrics; unset: the worker's, metrics::process_metrics().
    std::shared_ptr<metrics::Metrics> metrics;

    std::string label() const { return task_label(connector.name, task_id); }
};

}  // namespace ingest::pipeline
