#include "cli/signals.hpp"

#include "log/logging.hpp"

#include <csignal>
#include <cstdlib>
#include <ctime>

namespace ingest::cli {

StopSignals::StopSignals(std::function<void()> on_first_signal) : on_first_signal_(std::move(on_first_signal)) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    watcher_ = std::thread([this, set] {
        timespec tick{0, 200 * 1000 * 1000};
        while (!done_.load()) {
            int signal = sigtimedwait(&set, nullptr, &tick);
            if (signal <= 0) continue;
            if (stop_.exchange(true)) {
                log::warn("signals") << "second signal (" << signal << "): forcing exit";
                std::_Exit(128 + signal);
            }
            log::info("signals") << "signal " << signal << " received: stopping cleanly (send again to force)";
            if (on_first_signal_) on_first_signal_();
        }
    });
}

StopSignals::~StopSignals() {
    done_ = true;
    watcher_.join();
}

}  // namespace ingest::cli
