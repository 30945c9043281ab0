#include "worker/restart_policy.hpp"

namespace ingest::worker {

RestartPolicy RestartPolicy::of(const config::RunnerSettings& settings) {
    return {settings.restart_max, std::chrono::milliseconds(settings.restart_backoff_ms),
            std::chrono::milliseconds(settings.restart_backoff_max_ms)};
}

std::optional<std::chrono::milliseconds> RestartBudget::failed(Clock::time_point now) {
    if (running_since_ && now - *running_since_ >= policy_.backoff_max) reset();
    running_since_.reset();
    if (used_ >= policy_.max) return std::nullopt;
    ++used_;
    return backoff_.next();
}

void RestartBudget::reset() {
    used_ = 0;
    backoff_.reset();
    running_since_.reset();
}

}  // namespace ingest::worker
