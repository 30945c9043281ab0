// SIGINT/SIGTERM handling for long-running commands: the first signal asks for a clean stop,
// a second one forces the process out at once.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace ingest::cli {

class StopSignals {
   public:
    // Blocks the signals in the calling thread; construct before starting any other thread so
    // that all threads inherit the mask and only the watcher receives them.
    explicit StopSignals(std::function<void()> on_first_signal);
    ~StopSignals();

    std::atomic<bool>& stop_requested() { return stop_; }

   private:
    std::atomic<bool> stop_{false};
    std::atomic<bool> done_{false};
    std::function<void()> on_first_signal_;
    std::thread watcher_;
};

}  // namespace ingest::cli
