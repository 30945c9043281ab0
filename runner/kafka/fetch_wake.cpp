#include "kafka/fetch_wake.hpp"

namespace ingest::kafka {

bool FetchWake::after_message(size_t bytes, size_t queued) {
    // A moving average over about the last thousand messages.
    const auto size = static_cast<double>(bytes);
    average_bytes_ = average_bytes_ == 0 ? size : average_bytes_ + (size - average_bytes_) / 1024;
    const double queued_bytes = static_cast<double>(queued) * average_bytes_;
    if (queued_bytes >= bound_bytes_ / 2) filled_ = true;
    if (!filled_ || queued_bytes > bound_bytes_ / 4) return false;
    const Clock::time_point now = now_();
    if (now - last_wake_ < kMinInterval) return false;
    filled_ = false;
    last_wake_ = now;
    return true;
}

}  // namespace ingest::kafka
