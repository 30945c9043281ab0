// The automatic restart budget of one task: backoff doubling up to its cap, the limit, and when
// the count starts again.
#include "worker/restart_policy.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using ingest::worker::RestartBudget;
using ingest::worker::RestartPolicy;

TEST(RestartBudget, DelaysDoubleUpToTheCapAndStopAtTheLimit) {
    RestartBudget budget(RestartPolicy{4, 100ms, 300ms});
    auto now = RestartBudget::Clock::now();
    // Equal jitter: between half and all of 100, 200, 300 (capped), 300 ms.
    const std::chrono::milliseconds highest[] = {100ms, 200ms, 300ms, 300ms};
    for (auto high : highest) {
        budget.running(now);
        auto delay = budget.failed(now + 10ms);
        ASSERT_TRUE(delay);
        EXPECT_GE(*delay, high / 2);
        EXPECT_LE(*delay, high);
    }
    EXPECT_EQ(budget.used(), 4);
    EXPECT_FALSE(budget.failed(now));
    EXPECT_EQ(budget.used(), 4);
}

TEST(RestartBudget, ATaskThatRanForTheLongestBackoffStartsItsCountAgain) {
    RestartBudget budget(RestartPolicy{2, 100ms, 1000ms});
    auto now = RestartBudget::Clock::now();
    EXPECT_TRUE(budget.failed(now));
    budget.running(now);
    EXPECT_TRUE(budget.failed(now + 999ms));
    budget.running(now);
    EXPECT_TRUE(budget.failed(now + 1000ms)) << "ran 1000 ms: recovered";
    EXPECT_EQ(budget.used(), 1);
    EXPECT_LE(*budget.failed(now + 1000ms), 200ms);
    EXPECT_FALSE(budget.failed(now + 1000ms)) << "failed at start, never ran: no reset";
}

TEST(RestartBudget, AnOperatorsRestartResetsIt) {
    RestartBudget budget(RestartPolicy{1, 50ms, 50ms});
    auto now = RestartBudget::Clock::now();
    EXPECT_TRUE(budget.failed(now));
    EXPECT_FALSE(budget.failed(now));
    budget.reset();
    EXPECT_TRUE(budget.failed(now));
}

TEST(RestartBudget, ZeroMeansNoAutomaticRestart) {
    RestartBudget budget(RestartPolicy{0, 50ms, 50ms});
    EXPECT_FALSE(budget.failed(RestartBudget::Clock::now()));
}

}  // namespace
