// When a failed task is restarted automatically: exponential backoff (with equal jitter, the
// pipeline's Backoff) up to `errors.restart.max` restarts in a row. A task that ran for the longest
// backoff without failing has recovered, so its next failure starts the count again; an
// operator's restart does too.
#pragma once

#include "config/runner_keys.hpp"
#include "pipeline/retry.hpp"

#include <chrono>
#include <optional>

namespace ingest::worker {

struct RestartPolicy {
    int max = 0;  // automatic restarts in a row; 0: none
    std::chrono::milliseconds backoff{1000};
    std::chrono::milliseconds backoff_max{60000};

    static RestartPolicy of(const config::RunnerSettings& settings);
};

// The restarts one task has used up. Not thread-safe: its owner serialises the calls.
class RestartBudget {
   public:
    using Clock = std::chrono::steady_clock;

    explicit RestartBudget(RestartPolicy policy = {}) : policy_(policy), backoff_(policy.backoff, policy.backoff_max) {}

    // The task reported RUNNING at `now`.
    void running(Clock::time_point now) { running_since_ = now; }
    // The task failed at `now`: the wait before its automatic restart, or nullopt when the
    // restarts in a row are used up (the task stays FAILED).
    std::optional<std::chrono::milliseconds> failed(Clock::time_point now);
    // Restarts used in the current run of failures.
    int used() const { return used_; }
    const RestartPolicy& policy() const { return policy_; }
    // Everything forgotten (an operator restarted the task).
    void reset();

   private:
    RestartPolicy policy_;
    pipeline::Backoff backoff_;
    int used_ = 0;
    std::optional<Clock::time_point> running_since_;
};

}  // namespace ingest::worker
