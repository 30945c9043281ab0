// Waiting on a herder with a deadline: the tests' one way to wait for a status change (woken by
// every change, and at least every `poll` for conditions on files), never a fixed sleep.
#pragma once

#include "worker/herder.hpp"

#include <chrono>
#include <functional>

namespace ingest::testing {

inline bool eventually(const worker::Herder& herder, const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = std::chrono::seconds(30),
                       std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    uint64_t seen = herder.version();
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= until) return false;
        seen = herder.wait_for_change(seen, poll);
    }
    return true;
}

}  // namespace ingest::testing
