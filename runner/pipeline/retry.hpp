// Exponential backoff with jitter for retrying a task call, interruptible by a stop request.
#pragma once

#include <atomic>
#include <chrono>

namespace ingest::pipeline {

class Backoff {
   public:
    explicit Backoff(std::chrono::milliseconds initial = std::chrono::milliseconds(100),
                     std::chrono::milliseconds max = std::chrono::milliseconds(10000))
        : initial_(initial), max_(max), next_(initial) {}

    // Sleeps for the current delay (returns early when `stop` is set), then doubles it.
    void sleep(const std::atomic<bool>& stop);
    void reset() { next_ = initial_; }

   private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds next_;
};

}  // namespace ingest::pipeline
