// Runs one sink task: consumer group → batches → put(), with the task's offsets honoured on
// assignment and committed to the group after each flush.
#pragma once

#include "pipeline/status_board.hpp"
#include "pipeline/task_settings.hpp"

#include <atomic>

namespace ingest::pipeline {

// Thread body; returns when `stop` is set or the task failed.
void run_sink_task(const TaskSettings& settings, StatusBoard& board, const std::atomic<bool>& stop);

}  // namespace ingest::pipeline
