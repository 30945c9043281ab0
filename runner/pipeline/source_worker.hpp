// Runs one source task: poll → idempotent producer → delivery reports back to the task.
#pragma once

#include "config/connector_config.hpp"
#include "pipeline/status_board.hpp"
#include "plugin_host/plugin_library.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace ingest::pipeline {

struct SourceWorkerSettings {
    config::ConnectorConfig connector;
    std::shared_ptr<plugin_host::PluginLibrary> library;
    int task_id = 0;
    std::string bootstrap;
};

// Thread body. Returns when the stream ended and every record was confirmed or refused, when the
// task failed, or when `stop` was set (after flushing what was produced).
void run_source_task(const SourceWorkerSettings& settings, StatusBoard& board, const std::atomic<bool>& stop);

}  // namespace ingest::pipeline
