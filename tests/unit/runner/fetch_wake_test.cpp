// The consumer's wake-up rule (kafka/fetch_wake.hpp): once per fill and drain of its queue.
#include "kafka/fetch_wake.hpp"

#include <gtest/gtest.h>

namespace ingest::kafka {
namespace {

using namespace std::chrono_literals;

constexpr size_t kBound = 1000 * 100;  // a bound of 1000 messages of 100 bytes

// The time the rule reads, set by the tests.
const FetchWake::Clock::time_point start = FetchWake::Clock::now();
FetchWake::Clock::time_point now = start;
FetchWake::Clock::time_point read_now() { return now; }

// The rule's answer for a message polled `at` after the start.
bool polled(FetchWake& wake, std::chrono::milliseconds at, size_t bytes, size_t queued) {
    now = start + at;
    return wake.after_message(bytes, queued);
}

TEST(FetchWake, WakesOnceWhenAFilledQueueIsDrainedToAQuarter) {
    FetchWake wake(kBound, &read_now);
    int wakes = 0;
    for (size_t queued = 900; queued > 0; --queued) {
        if (polled(wake, std::chrono::milliseconds(1000 - queued), 100, queued)) {
            ++wakes;
            EXPECT_EQ(queued, 250u) << "at a quarter of the bound";
        }
    }
    EXPECT_EQ(wakes, 1);
}

TEST(FetchWake, NeverWakesWhileTheQueueStaysShort) {
    // A consumer that keeps up: librdkafka never stopped fetching, nothing to wake.
    FetchWake wake(kBound, &read_now);
    for (int i = 0; i < 10'000; ++i)
        EXPECT_FALSE(polled(wake, std::chrono::milliseconds(i), 100, static_cast<size_t>(i % 400))) << i;
}

TEST(FetchWake, EveryRefillArmsItAgainAtMostOncePerInterval) {
    FetchWake wake(kBound, &read_now);
    EXPECT_FALSE(polled(wake, 0ms, 100, 600));
    EXPECT_TRUE(polled(wake, 20ms, 100, 200));
    EXPECT_FALSE(polled(wake, 21ms, 100, 100)) << "not armed: no refill since";
    EXPECT_FALSE(polled(wake, 22ms, 100, 700));
    EXPECT_FALSE(polled(wake, 25ms, 100, 100)) << "within kMinInterval of the last";
    EXPECT_TRUE(polled(wake, 20ms + FetchWake::kMinInterval, 100, 100));
}

TEST(FetchWake, EstimatesTheQueuedBytesFromTheMessagesSizes) {
    // 200 messages of 500 bytes fill the bound of 100,000 bytes.
    FetchWake wake(kBound, &read_now);
    EXPECT_FALSE(polled(wake, 20ms, 500, 150));
    EXPECT_TRUE(polled(wake, 40ms, 500, 40));
}

}  // namespace
}  // namespace ingest::kafka
