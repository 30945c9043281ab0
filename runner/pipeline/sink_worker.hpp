// Runs one sink task: consumer group → batches → put(), with the task's offsets honoured on
// assignment and committed to the group after each flush.
#pragma once

#include "config/connector_config.hpp"
#include "pipeline/status_board.hpp"
#include "plugin_host/plugin_library.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace ingest::pipeline {

struct SinkWorkerSettings {
    config::ConnectorConfig connector;
    std::shared_ptr<plugin_host::PluginLibrary> library;
    int task_id = 0;
    std::string bootstrap;
};

// Thread body; returns when `stop` is set or the task failed.
void run_sink_task(const SinkWorkerSettings& settings, StatusBoard& board, const std::atomic<bool>& stop);

}  // namespace ingest::pipeline
