// What every task is doing, shared between task threads and the worker that watches them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ingest::pipeline {

enum class TaskState { starting, running, finished, failed, stopped };
const char* state_name(TaskState state);

struct TaskStatus {
    std::string connector;
    int task = 0;
    bool is_source = false;
    bool reports_verdict = false;
    TaskState state = TaskState::starting;
    std::string message;            // why it failed, or what it last said
    std::optional<bool> verdict;    // set once a judging task reported
    std::string verdict_summary;
};

class StatusBoard {
   public:
    void add(TaskStatus status);
    void set_state(const std::string& connector, int task, TaskState state, std::string message = {});
    void set_verdict(const std::string& connector, int task, bool ok, std::string summary);
    std::vector<TaskStatus> snapshot() const;

    // Wakes waiters (a task changed, or a stop was requested).
    void notify();
    void wait_for_change(std::chrono::milliseconds timeout);

   private:
    TaskStatus& find(const std::string& connector, int task);

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    unsigned long long version_ = 0;
    std::map<std::pair<std::string, int>, TaskStatus> tasks_;
};

}  // namespace ingest::pipeline
