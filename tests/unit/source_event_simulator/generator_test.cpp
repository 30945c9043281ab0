#include "case_rates.hpp"
#include "contract_checks.hpp"
#include "generator.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace ingest::plugins::source_event_simulator {
namespace {

using testing::CaseRates;
using testing::ContractChecker;
using testing::parse_timestamp;
using testing::Verdict;
using testing::with_rates;

SimulatorConfig demo_config(int64_t seed = 1) {
    SimulatorConfig config = with_rates(default_config(), {0.05, 0.05, 0.03, 0.01, 0.01, 0.01});
    config.seed = seed;
    config.events = 0;
    return config;
}

struct Copy {
    Intent intent;
    bool late;
    std::string key;
    std::optional<std::string> value;
    bool operator==(const Copy&) const = default;
};

std::vector<Copy> take(Generator& generator, size_t count) {
    std::vector<Copy> records;
    records.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const GeneratedRecord& record = generator.next();
        records.push_back({record.intent, record.late, std::string(record.key),
                           record.value ? std::optional<std::string>(*record.value) : std::nullopt});
    }
    return records;
}

boost::json::object object_of(const std::string& value) {
    return boost::json::parse(value).as_object();
}

std::string string_field(const boost::json::object& object, const char* name) {
    return std::string(object.at(name).as_string());
}

TEST(Generator, SameSeedSameStream) {
    Generator first(demo_config(42));
    Generator second(demo_config(42));
    EXPECT_EQ(take(first, 100'000), take(second, 100'000));
}

TEST(Generator, OtherSeedOtherStream) {
    Generator first(demo_config(42));
    Generator second(demo_config(43));
    const auto a = take(first, 1000);
    const auto b = take(second, 1000);
    size_t same_keys = 0;
    for (size_t i = 0; i < a.size(); ++i) same_keys += a[i].key == b[i].key;
    EXPECT_EQ(same_keys, 0u);
}

// The stream is a contract with anyone replaying a seed, across builds and platforms: it uses only
// integer arithmetic and its own PRNG. A change here must be deliberate (and announced).
TEST(Generator, StreamForASeedIsPinned) {
    Generator generator(demo_config(1));
    const GeneratedRecord& first = generator.next();
    EXPECT_EQ(first.intent, Intent::Create);
    EXPECT_EQ(first.key, "92f89756-082a-4514-a42e-1c7bc266a3a7");
    EXPECT_EQ(*first.value,
              R"({"event_id":"92f89756-082a-4514-a42e-1c7bc266a3a7","user_id":"user-6972",)"
              R"("event_type":"page_view","event_time":"2026-04-08T17:15:54.695316Z",)"
              R"("received_time":"2026-04-08T17:15:54.837406Z","is_valid":true,"revision":0})");

    Generator again(demo_config(1));
    uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over intent, key and value of 100k records
    auto mix = [&](std::string_view bytes) {
        for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ULL;
    };
    for (int i = 0; i < 100'000; ++i) {
        const GeneratedRecord& record = again.next();
        mix(intent_name(record.intent));
        mix(record.key);
        mix(record.value ? *record.value : std::string_view("<tombstone>"));
    }
    EXPECT_EQ(hash, 0xacd5a891d63e15caULL);
}

// Each case's share of 100k records stays within 5 standard deviations of its rate.
TEST(Generator, EachCaseComesAtItsRate) {
    const CaseRates r{0.04, 0.06, 0.03, 0.02, 0.015, 0.01};
    const SimulatorConfig config = with_rates(demo_config(7), r);
    Generator generator(config);
    constexpr int kRecords = 100'000;
    std::array<int, kIntentCount> counts{};
    int late = 0;
    for (int i = 0; i < kRecords; ++i) {
        const GeneratedRecord& record = generator.next();
        ++counts[static_cast<size_t>(record.intent)];
        late += record.late;
    }
    auto expect_rate = [&](const char* what, int observed, double rate) {
        const double expected = rate * kRecords;
        const double tolerance = 5 * std::sqrt(kRecords * rate * (1 - rate)) + 5;
        EXPECT_NEAR(observed, expected, tolerance) << what;
    };
    expect_rate("late", late, r.late);
    expect_rate("duplicate", counts[size_t(Intent::Duplicate)], r.duplicate);
    expect_rate("correct", counts[size_t(Intent::Correct)], r.correction);
    expect_rate("invalidate", counts[size_t(Intent::Invalidate)], r.invalidation);
    expect_rate("delete", counts[size_t(Intent::Delete)], r.deletion);
    expect_rate("malformed", counts[size_t(Intent::Malformed)], r.malformed);
    expect_rate("create", counts[size_t(Intent::Create)],
                1 - r.duplicate - r.correction - r.invalidation - r.deletion - r.malformed);
}

TEST(Generator, ZeroRatesGiveOnlyOnTimeCreates) {
    const SimulatorConfig config = with_rates(default_config(), {});
    Generator generator(config);
    for (int i = 0; i < 10'000; ++i) {
        const GeneratedRecord& record = generator.next();
        ASSERT_EQ(record.intent, Intent::Create);
        ASSERT_FALSE(record.late);
    }
}

TEST(Generator, EventTypesFollowTheirWeights) {
    SimulatorConfig config = with_rates(default_config(), {});
    config.event_types = "a:70,b:30,never:0";
    Generator generator(config);
    std::map<std::string, int> counts;
    for (int i = 0; i < 100'000; ++i)
        ++counts[string_field(object_of(std::string(*generator.next().value)), "event_type")];
    EXPECT_NEAR(counts["a"], 70'000, 800);
    EXPECT_NEAR(counts["b"], 30'000, 800);
    EXPECT_EQ(counts.count("never"), 0u);
}

// Replays 100k records the way the sink will and checks every rule of the contract.
TEST(Generator, StreamObeysTheEventLifecycle) {
    SimulatorConfig config = demo_config(11);
    config.users = 50;
    Generator generator(config);
    struct Event {
        int64_t revision = 0;
        bool deleted = false;
        std::string latest;
        std::set<std::string> sent;
    };
    std::unordered_map<std::string, Event> events;
    int stale_after_correction = 0, stale_after_deletion = 0, current_duplicates = 0;
    int64_t previous_create_received = 0;

    for (int i = 0; i < 100'000; ++i) {
        const GeneratedRecord& record = generator.next();
        const std::string key(record.key);
        if (record.intent == Intent::Malformed) {
            ASSERT_EQ(events.count(key), 0u) << "a malformed record reuses a valid event_id";
            continue;
        }
        if (record.intent == Intent::Delete) {
            ASSERT_FALSE(record.value.has_value());
            auto found = events.find(key);
            ASSERT_NE(found, events.end()) << "deleting an unknown event";
            ASSERT_FALSE(found->second.deleted) << "deleting twice";
            found->second.deleted = true;
            continue;
        }
        ASSERT_TRUE(record.value.has_value());
        const std::string value(*record.value);
        const auto object = object_of(value);
        ASSERT_EQ(string_field(object, "event_id"), key);
        const int64_t revision = object.at("revision").as_int64();
        const bool is_valid = object.at("is_valid").as_bool();

        switch (record.intent) {
            case Intent::Create: {
                ASSERT_TRUE(events.emplace(key, Event{0, false, value, {value}}).second)
                    << "an event_id created twice";
                ASSERT_EQ(revision, 0);
                ASSERT_TRUE(is_valid);
                const int64_t received = parse_timestamp(string_field(object, "received_time"));
                ASSERT_GE(received, previous_create_received) << "the simulated clock went back";
                previous_create_received = received;
                break;
            }
            case Intent::Correct:
            case Intent::Invalidate: {
                auto found = events.find(key);
                ASSERT_NE(found, events.end());
                Event& event = found->second;
                ASSERT_FALSE(event.deleted) << "a revision after the tombstone";
                ASSERT_EQ(revision, event.revision + 1);
                const auto before = object_of(event.latest);
                if (record.intent == Intent::Invalidate) {
                    ASSERT_FALSE(is_valid);
                } else {
                    ASSERT_EQ(is_valid, before.at("is_valid").as_bool());
                    ASSERT_TRUE(object.at("event_type") != before.at("event_type") ||
                                object.at("user_id") != before.at("user_id"))
                        << "a correction that changes nothing: " << value;
                }
                ASSERT_EQ(object.at("event_time"), before.at("event_time"));
                event.revision = revision;
                event.latest = value;
                event.sent.insert(value);
                break;
            }
            case Intent::Duplicate: {
                auto found = events.find(key);
                ASSERT_NE(found, events.end());
                const Event& event = found->second;
                ASSERT_EQ(event.sent.count(value), 1u) << "a duplicate of nothing sent: " << value;
                if (event.deleted)
                    ++stale_after_deletion;
                else if (revision < event.revision)
                    ++stale_after_correction;
                else
                    ++current_duplicates;
                break;
            }
            default:
                FAIL() << "unexpected intent";
        }
    }
    // Duplicates that must not win are common enough to exercise the sink.
    EXPECT_GT(stale_after_correction, 100);
    EXPECT_GT(stale_after_deletion, 100);
    EXPECT_GT(current_duplicates, 1000);
}

TEST(Generator, LateAndOnTimeRecordsRespectTheirBounds) {
    for (const std::string distribution : {"uniform", "log-uniform"}) {
        SimulatorConfig config = demo_config(5);
        config.late_rate = 0.3;
        config.late_distribution = distribution;
        config.late_max_ms = 4 * 3600 * 1000;
        Generator generator(config);
        std::vector<int64_t> lateness;
        for (int i = 0; i < 50'000; ++i) {
            const GeneratedRecord& record = generator.next();
            if (record.intent != Intent::Create) continue;
            const auto object = object_of(std::string(*record.value));
            const int64_t delay = parse_timestamp(string_field(object, "received_time")) -
                                  parse_timestamp(string_field(object, "event_time"));
            if (record.late) {
                ASSERT_GT(delay, config.late_threshold_ms * 1000);
                ASSERT_LE(delay, config.late_max_ms * 1000);
                lateness.push_back(delay);
            } else {
                ASSERT_GE(delay, 0);
                ASSERT_LE(delay, config.ontime_delay_max_ms * 1000);
            }
        }
        ASSERT_GT(lateness.size(), 10'000u);
        std::sort(lateness.begin(), lateness.end());
        const int64_t median = lateness[lateness.size() / 2];
        const int64_t highest = lateness.back();
        EXPECT_GT(highest, 3LL * 3600 * 1'000'000) << "hours-late records appear";
        if (distribution == "uniform")
            EXPECT_NEAR(median, 2LL * 3600 * 1'000'000, 5LL * 60 * 1'000'000);
        else
            EXPECT_LT(median, 30LL * 60 * 1'000'000) << "log-uniform: most are minutes late";
    }
}

// valijson compiles its date-time regex on every check (about 1.5 ms per record), so this
// samples a few thousand records; every intent is among them.
TEST(Generator, ValidRecordsPassTheSchema) {
    const ContractChecker checker;
    const SimulatorConfig config = with_rates(demo_config(3), {0.1, 0.1, 0.1, 0.1, 0.05, 0.05});
    Generator generator(config);
    std::array<int, kIntentCount> checked{};
    for (int i = 0; i < 2'000; ++i) {
        const GeneratedRecord& record = generator.next();
        if (record.intent == Intent::Malformed || !record.value) continue;
        ASSERT_EQ(checker.check(*record.value), Verdict::Valid) << *record.value;
        ++checked[static_cast<size_t>(record.intent)];
    }
    for (Intent intent : {Intent::Create, Intent::Duplicate, Intent::Correct, Intent::Invalidate})
        EXPECT_GT(checked[static_cast<size_t>(intent)], 100) << intent_name(intent);
}

TEST(Generator, MalformedRecordsAreReallyMalformed) {
    const ContractChecker checker;
    const SimulatorConfig config = with_rates(demo_config(9), {.malformed = 0.5});
    Generator generator(config);
    std::array<int, kMalformedKindCount> kinds{};
    for (int i = 0; i < 4'000; ++i) {
        const GeneratedRecord& record = generator.next();
        if (record.intent != Intent::Malformed) continue;
        ASSERT_TRUE(record.value.has_value());
        ASSERT_FALSE(record.value->empty());
        ASSERT_FALSE(record.key.empty());
        ++kinds[static_cast<size_t>(record.malformed_kind)];
        for (char c : *record.value) ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "not printable ASCII";

        const Verdict verdict = checker.check(*record.value);
        const std::string kind(malformed_kind_name(record.malformed_kind));
        switch (record.malformed_kind) {
            case MalformedKind::Truncated:
            case MalformedKind::NotJson:
                ASSERT_EQ(verdict, Verdict::NotJson) << kind << ": " << *record.value;
                break;
            case MalformedKind::KeyMismatch: {
                ASSERT_EQ(verdict, Verdict::Valid) << kind << ": " << *record.value;
                const auto object = object_of(std::string(*record.value));
                ASSERT_NE(string_field(object, "event_id"), record.key);
                break;
            }
            default:
                ASSERT_EQ(verdict, Verdict::FailsSchema) << kind << ": " << *record.value;
        }
    }
    for (size_t kind = 0; kind < kMalformedKindCount; ++kind)
        EXPECT_GT(kinds[kind], 200) << malformed_kind_name(static_cast<MalformedKind>(kind));
}

TEST(Generator, CorrectionsChangeSomethingEvenWithOneTypeOrOneUser) {
    for (uint64_t users : {uint64_t{1}, uint64_t{2}}) {
        SimulatorConfig config = with_rates(default_config(), {.correction = 0.5});
        config.users = users;
        config.event_types = "only:1";
        config.history_size = 1;
        Generator generator(config);
        std::string previous;
        for (int i = 0; i < 1000; ++i) {
            const GeneratedRecord& record = generator.next();
            const std::string value(*record.value);
            if (record.intent == Intent::Correct) {
                auto before = object_of(previous);
                auto after = object_of(value);
                before.erase("revision");
                before.erase("received_time");
                after.erase("revision");
                after.erase("received_time");
                ASSERT_NE(before, after) << value;
            }
            previous = value;
        }
    }
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
