// Runs one source task: poll → idempotent producer → delivery reports back to the task.
#pragma once

#include "pipeline/status_board.hpp"
#include "pipeline/task_settings.hpp"

#include <atomic>

namespace ingest::pipeline {

// Thread body. Returns when the stream ended and every record was confirmed or refused, when the
// task failed, or when `stop` was set (after flushing what was produced).
void run_source_task(const TaskSettings& settings, StatusBoard& board, const std::atomic<bool>& stop);

}  // namespace ingest::pipeline
