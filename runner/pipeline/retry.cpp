#include "pipeline/retry.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace ingest::pipeline {

void Backoff::sleep(const std::atomic<bool>& stop) {
    thread_local std::minstd_rand random{std::random_device{}()};
    // Full jitter between half and all of the delay, so that tasks retrying together spread out.
    std::uniform_int_distribution<long> spread(next_.count() / 2, next_.count());
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(spread(random));
    while (!stop.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    next_ = std::min(max_, next_ * 2);
}

}  // namespace ingest::pipeline
