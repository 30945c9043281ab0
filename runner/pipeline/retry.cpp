#include "pipeline/retry.hpp"

#include <algorithm>
#include <random>

namespace ingest::pipeline {

std::chrono::milliseconds Backoff::next() {
    thread_local std::minstd_rand random{std::random_device{}()};
    std::uniform_int_distribution<long> spread(current_.count() / 2, current_.count());
    std::chrono::milliseconds wait(spread(random));
    current_ = std::min(max_, current_ * 2);
    return wait;
}

}  // namespace ingest::pipeline
