// The consumer's wake-up rule (kafka/fetch_wake.hpp): once per fill and drain of its queue.
#include "kafka/fetch_wake.hpp"

#include <gtest/gtest.h>

namespace ingest::kafka {
namespace {

using namespace std::chrono_literals;

constexpr size_t kBound = 1000 * 100;  // a bound of 1000 messages of 100 bytes

TEST(FetchWake, WakesOnceWhenAFilledQueueIsDrainedToAQuarter) {
    FetchWake wake(kBound);
    auto now = FetchWake::Clock::now();
    int wakes = 0;
    for (size_t queued = 900; queued > 0; --queued) {
        now += 1ms;
        if (wake.after_message(100, queued, now)) {
            ++wakes;
            EXPECT_EQ(queued, 250u) << "at a quarter of the bound";
        }
    }
    EXPECT_EQ(wakes, 1);
}

TEST(FetchWake, NeverWakesWhileTheQueueStaysShort) {
    // A consumer that keeps up: librdkafka never stopped fetching, nothing to wake.
    FetchWake wake(kBound);
    auto now = FetchWake::Clock::now();
    for (int i = 0; i < 10'000; ++i) {
        now += 1ms;
        EXPECT_FALSE(wake.after_message(100, static_cast<size_t>(i % 400), now)) << i;
    }
}

TEST(FetchWake, EveryRefillArmsItAgainAtMostOncePerInterval) {
    FetchWake wake(kBound);
    auto now = FetchWake::Clock::now();
    EXPECT_FALSE(wake.after_message(100, 600, now));
    EXPECT_TRUE(wake.after_message(100, 200, now + 20ms));
    EXPECT_FALSE(wake.after_message(100, 100, now + 21ms)) << "not armed: no refill since";
    EXPECT_FALSE(wake.after_message(100, 700, now + 22ms));
    EXPECT_FALSE(wake.after_message(100, 100, now + 25ms)) << "within kMinInterval of the last";
    EXPECT_TRUE(wake.after_message(100, 100, now + 20ms + FetchWake::kMinInterval));
}

TEST(FetchWake, EstimatesTheQueuedBytesFromTheMessagesSizes) {
    // 200 messages of 500 bytes fill the bound of 100,000 bytes.
    FetchWake wake(kBound);
    auto now = FetchWake::Clock::now();
    EXPECT_FALSE(wake.after_message(500, 150, now));
    EXPECT_TRUE(wake.after_message(500, 40, now + 20ms));
}

}  // namespace
}  // namespace ingest::kafka
