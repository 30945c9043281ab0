// The SDK's side of the boundary: host services used only when the host has them, a delivery
// failure kept until the next call that can report it, a ConfigDef's rules as the validate hook.
#include <ingest/sdk.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

namespace {

struct FakeHost {
    ingest_host raw{};
    int stopping_calls = 0;
    bool stop = false;
    FakeHost() {
        raw.abi_version = INGEST_ABI_MAJOR;
        raw.struct_size = sizeof(ingest_host);
        raw.context = this;
        raw.stopping = [](void* context) {
            auto* self = static_cast<FakeHost*>(context);
            ++self->stopping_calls;
            return self->stop ? 1 : 0;
        };
    }
};

TEST(SdkHost, AsksAHostThatHasTheStoppingService) {
    FakeHost fake;
    ingest::sdk::Host host(&fake.raw);
    EXPECT_FALSE(host.stopping());
    fake.stop = true;
    EXPECT_TRUE(host.stopping());
    EXPECT_FALSE(host.wait_unless_stopping(std::chrono::seconds(10)));
    EXPECT_GE(fake.stopping_calls, 3);
}

TEST(SdkHost, NeverCallsAServiceBeyondAnOlderHostsStructSize) {
    FakeHost fake;
    fake.raw.struct_size = offsetof(ingest_host, stopping);  // a host built before `stopping`
    fake.stop = true;
    ingest::sdk::Host host(&fake.raw);
    EXPECT_FALSE(host.stopping());
    EXPECT_TRUE(host.wait_unless_stopping(std::chrono::milliseconds(1)));
    EXPECT_EQ(fake.stopping_calls, 0);
}

class FlakySource : public ingest::sdk::SourceTask {
   public:
    void start(const ingest::sdk::Config&) override {}
    PollResult poll(ingest::sdk::Emitter&) override {
        ++polls;
        return PollResult::More;
    }
    void on_delivered(uint64_t correlation, int32_t, int64_t, std::string_view) override {
        if (correlation == 7) throw ingest::sdk::FatalError("cannot record delivery 7");
        if (correlation == 8) throw ingest::sdk::RetriableError("disk busy");
    }
    int polls = 0;
};
using SourceAdapter = ingest::sdk::detail::Adapter<FlakySource>;

void ignore_emit(void*, const ingest_source_record*) {}

TEST(SdkAdapter, ADeliveryFailureIsRaisedByTheNextPoll) {
    FakeHost fake;
    ingest_error error{};
    void* task = SourceAdapter::create(&fake.raw, &error);
    ASSERT_NE(task, nullptr);
    SourceAdapter::record_delivered(task, 7, 0, 1, nullptr);
    SourceAdapter::record_delivered(task, 8, 0, 2, nullptr);  // the first failure is the one kept
    EXPECT_EQ(SourceAdapter::poll(task, &ignore_emit, nullptr, &error), INGEST_FATAL);
    EXPECT_STREQ(error.message, "cannot record delivery 7");
    EXPECT_EQ(static_cast<FlakySource*>(task)->polls, 0);
    EXPECT_EQ(SourceAdapter::poll(task, &ignore_emit, nullptr, &error), INGEST_OK);  // raised once
    SourceAdapter::record_delivered(task, 8, 0, 3, nullptr);
    EXPECT_EQ(SourceAdapter::commit(task, &error), INGEST_RETRIABLE);
    EXPECT_STREQ(error.message, "disk busy");
    SourceAdapter::destroy(task);
}

struct Settings {
    int low = 0, high = 0;
};
const auto kConfig = ingest::sdk::ConfigDef<Settings>()
                         .key("low", &Settings::low, 0, "Low.")
                         .key("high", &Settings::high, 10, "High.")
                         .rule([](const Settings& s, ingest::sdk::Problems& problems) {
                             if (s.low > s.high) problems.push_back({"low", "must not exceed high"});
                             if (s.high > 100) problems.push_back({"", "the range is too wide"});
                         });

class PlainSink : public ingest::sdk::SinkTask {
   public:
    void start(const ingest::sdk::Config&) override {}
    void put(std::span<const ingest::sdk::Record>) override {}
};

TEST(SdkAdapter, TheDescriptorsValidateHookReportsEveryRuleProblem) {
    static const ingest_sink_api sink = ingest::sdk::detail::Adapter<PlainSink>::sink_api(0);
    const ingest_plugin plugin =
        ingest::sdk::detail::describe<PlainSink>("p", "1", "", kConfig, nullptr, &sink);
    EXPECT_EQ(plugin.abi_minor, INGEST_ABI_MINOR);
    EXPECT_EQ(plugin.config_key_count, 2u);
    ASSERT_NE(plugin.validate, nullptr);

    ingest_config_entry entries[] = {{"low", "500"}, {"high", "200"}};
    ingest_config config{entries, 2};
    std::vector<std::pair<std::string, std::string>> reported;
    auto report = [](void* context, const char* key, const char* message) {
        static_cast<decltype(reported)*>(context)->emplace_back(key ? key : "<none>", message);
    };
    ingest_error error{};
    ASSERT_EQ(plugin.validate(&config, report, &reported, &error), INGEST_OK);
    ASSERT_EQ(reported.size(), 2u);
    EXPECT_EQ(reported[0], std::make_pair(std::string("low"), std::string("must not exceed high")));
    EXPECT_EQ(reported[1], std::make_pair(std::string("<none>"), std::string("the range is too wide")));
}

}  // namespace
