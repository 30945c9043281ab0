#include "pipeline/status_board.hpp"

#include "pipeline/task_settings.hpp"

#include <stdexcept>

namespace ingest::pipeline {

const char* state_name(TaskState state) {
    switch (state) {
        case TaskState::starting: return "STARTING";
        case TaskState::running: return "RUNNING";
        case TaskState::finished: return "FINISHED";
        case TaskState::failed: return "FAILED";
        case TaskState::stopped: return "STOPPED";
    }
    return "UNKNOWN";
}

void StatusBoard::add(TaskStatus status) {
    {
        std::lock_guard lock(mutex_);
        auto key = std::make_pair(status.connector, status.task);
        tasks_[key] = std::move(status);
        ++version_;
    }
    changed_.notify_all();
}

TaskStatus& StatusBoard::find(const std::string& connector, int task) {
    auto it = tasks_.find({connector, task});
    if (it == tasks_.end()) throw std::logic_error("unknown task " + task_label(connector, task));
    return it->second;
}

void StatusBoard::set_state(const std::string& connector, int task, TaskState state, std::string message) {
    {
        std::lock_guard lock(mutex_);
        auto& status = find(connector, task);
        status.state = state;
        if (!message.empty()) status.message = std::move(message);
        ++version_;
    }
    changed_.notify_all();
}

void StatusBoard::set_verdict(const std::string& connector, int task, bool ok, std::string summary) {
    {
        std::lock_guard lock(mutex_);
        auto& status = find(connector, task);
        status.verdict = ok;
        status.verdict_summary = std::move(summary);
        ++version_;
    }
    changed_.notify_all();
}

std::vector<TaskStatus> StatusBoard::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<TaskStatus> result;
    for (const auto& [key, status] : tasks_) result.push_back(status);
    return result;
}

void StatusBoard::notify() {
    {
        std::lock_guard lock(mutex_);
        ++version_;
    }
    changed_.notify_all();
}

void StatusBoard::wait_for_change(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    auto seen = version_;
    changed_.wait_for(lock, timeout, [&] { return version_ != seen; });
}

}  // namespace ingest::pipeline
