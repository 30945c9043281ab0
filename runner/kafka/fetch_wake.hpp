// When a consumer should wake librdkafka's broker threads so that they fetch again.
//
// librdkafka (2.0.2, Debian 12's) stops fetching once the consumer's queue holds
// queued.max.messages.kbytes, and looks at the queue again only when its broker thread next
// wakes up: up to a second later, however much the application consumed meanwhile. A consumer
// draining a backlog filled its queue, emptied it, and waited, over and over: a sink drained a
// million records with an 8 MiB bound in 15 s without the wake-up, 7.5-9 s with it
// (docs/benchmarks.md).
// Any request to a broker wakes its thread, which then sees room and fetches at once; the answer
// does not matter (on a cluster with ACLs a refused ListGroups wakes it as well). librdkafka 2.2
// added fetch.queue.backoff.ms for this wait; the runner is built and measured against 2.0.2.
#pragma once

#include <chrono>
#include <cstddef>

namespace ingest::kafka {

class FetchWake {
   public:
    using Clock = std::chrono::steady_clock;
    using Now = Clock::time_point (*)();
    // At most one wake-up per kMinInterval: each is a request to every broker.
    static constexpr std::chrono::milliseconds kMinInterval{10};

    // `bound_bytes`: the consumer's queued.max.messages.kbytes, in bytes. `now` is read only
    // when a wake-up is otherwise due (it is called once per message).
    explicit FetchWake(size_t bound_bytes, Now now = &Clock::now)
        : bound_bytes_(static_cast<double>(bound_bytes)), now_(now) {}

    // After a message of `bytes` (key and value) was polled, with `queued` messages still in the
    // consumer's queue: true when the queue had filled to at least half the bound (librdkafka
    // may have stopped fetching) and is now drained to a quarter of it. The queue's bytes are
    // estimated from the messages' average size.
    bool after_message(size_t bytes, size_t queued);

   private:
    double bound_bytes_;
    Now now_;
    double average_bytes_ = 0;
    bool filled_ = false;
    Clock::time_point last_wake_{};
};

}  // namespace ingest::kafka
