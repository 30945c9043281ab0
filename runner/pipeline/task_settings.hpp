// What a task thread needs to run one task of a connector.
#pragma once

#include "config/connector_config.hpp"
#include "plugin_host/plugin_library.hpp"

#include <memory>
#include <string>

namespace ingest::pipeline {

struct TaskSettings {
    config::ConnectorConfig connector;
    std::shared_ptr<plugin_host::PluginLibrary> library;
    int task_id = 0;
    std::string bootstrap;
};

}  // namespace ingest::pipeline
