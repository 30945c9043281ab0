// Exponential backoff with jitter for retrying a task call. It only computes delays: the task
// loops wait them out while they keep serving their Kafka clients and watching for a stop.
#pragma once

#include <chrono>

namespace ingest::pipeline {

class Backoff {
   public:
    explicit Backoff(std::chrono::milliseconds initial = std::chrono::milliseconds(100),
                     std::chrono::milliseconds max = std::chrono::milliseconds(10000))
        : initial_(initial), max_(max), current_(initial) {}

    // The wait before the next attempt, then doubles the delay up to `max`. Equal jitter: a
    // random point between half and all of the current delay, so that tasks retrying together
    // spread out.
    std::chrono::milliseconds next();
    void reset() { current_ = initial_; }

   private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds current_;
};

}  // namespace ingest::pipeline
