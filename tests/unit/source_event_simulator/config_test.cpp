#include "config.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>

namespace ingest::plugins::source_event_simulator {
namespace {

using Values = std::map<std::string, std::string>;

// As the runner hands a config over: every table key present, defaults filled in, `overrides` on top.
Values with_defaults(const Values& overrides = {}) {
    Values values;
    for (const ingest_config_key& key : config_def().table()) values[key.name] = key.default_value;
    for (const auto& [name, value] : overrides) values[name] = value;
    return values;
}

sdk::Problems validate(const Values& overrides) {
    const sdk::OwnedConfig raw(with_defaults(overrides));
    return config_def().validate(raw.config());
}

SimulatorConfig parse(const Values& values) {
    const sdk::OwnedConfig raw(values);
    return config_def().parse(raw.config());
}

std::string joined(const sdk::Problems& problems) { return sdk::describe_problems(problems); }

// The problem about `key` (empty: about the config as a whole) whose message contains `needle`.
bool mentions(const sdk::Problems& problems, std::string_view key, std::string_view needle) {
    for (const auto& problem : problems)
        if (problem.key == key && problem.message.find(needle) != std::string::npos) return true;
    return false;
}

const ingest_config_key& row(const char* name) {
    for (const ingest_config_key& key : config_def().table())
        if (std::strcmp(key.name, name) == 0) return key;
    throw std::logic_error(std::string("no key ") + name);
}

TEST(SimulatorConfig, TableDeclaresEveryKeyOnceWithDocsAndDefaults) {
    std::set<std::string> names;
    for (const ingest_config_key& key : config_def().table()) {
        EXPECT_TRUE(names.insert(key.name).second) << key.name;
        ASSERT_NE(key.default_value, nullptr) << key.name;
        EXPECT_GT(std::string(key.documentation).size(), 20u) << key.name;
    }
    EXPECT_EQ(names.size(), 22u);
    // Runner-level keys are the runner's; a plugin table must not declare them.
    for (const char* runner_key : {"plugin", "tasks.max", "topic", "topics", "topic.partitions"})
        EXPECT_EQ(names.count(runner_key), 0u) << runner_key;
}

// Per-key bounds are the table's: the runner refuses a value outside them before the plugin sees
// it (a rate of -0.1, a stale fraction of 2, late.distribution=gaussian).
TEST(SimulatorConfig, TheTableBoundsEveryValue) {
    auto expect_min = [](const char* name, double min) {
        EXPECT_TRUE(row(name).has_min) << name;
        EXPECT_EQ(row(name).min, min) << name;
    };
    auto expect_range = [&](const char* name, double min, double max) {
        expect_min(name, min);
        EXPECT_TRUE(row(name).has_max) << name;
        EXPECT_EQ(row(name).max, max) << name;
    };
    for (const char* rate : {"late.rate", "duplicate.rate", "correction.rate", "invalidation.rate", "deletion.rate",
                             "malformed.rate", "duplicate.stale.fraction"})
        expect_range(rate, 0, 1);
    for (const char* at_least_one : {"users", "history.size", "max.in.flight", "audit.flush.records"})
        expect_min(at_least_one, 1);
    expect_range("late.threshold.ms", 1, 30.0 * 24 * 3600 * 1000);
    expect_range("late.max.ms", 1, 30.0 * 24 * 3600 * 1000);
    expect_range("ontime.delay.max.ms", 0, 30.0 * 24 * 3600 * 1000);
    expect_range("events", 0, 1e15);
    expect_range("duration.ms", 0, 1e15);
    expect_range("rate", 0, 1e9);
    EXPECT_FALSE(row("seed").has_min);
    EXPECT_FALSE(row("seed").has_max);

    const ingest_config_key& distribution = row("late.distribution");
    ASSERT_NE(distribution.allowed_values, nullptr);
    std::vector<std::string> allowed;
    for (const char* const* value = distribution.allowed_values; *value; ++value) allowed.emplace_back(*value);
    EXPECT_EQ(allowed, (std::vector<std::string>{"uniform", "log-uniform"}));
}

TEST(SimulatorConfig, TableDefaultsParseAsTheDefaultConfig) {
    const SimulatorConfig config = parse(with_defaults());
    EXPECT_EQ(config.events, 100'000u);
    EXPECT_EQ(config.users, 10'000u);
    EXPECT_EQ(config.seed, 1);
    const auto types = event_types_of(config);
    ASSERT_EQ(types.size(), 4u);
    EXPECT_EQ(types[0].name, "page_view");
    EXPECT_EQ(types[0].weight, 60u);
    EXPECT_EQ(types[3].name, "purchase");
    EXPECT_DOUBLE_EQ(config.late_rate, 0.05);
    EXPECT_DOUBLE_EQ(config.duplicate_rate, 0.05);
    EXPECT_DOUBLE_EQ(config.correction_rate, 0.03);
    EXPECT_DOUBLE_EQ(config.malformed_rate, 0.01);
    EXPECT_DOUBLE_EQ(config.duplicate_stale_fraction, 0.3);
    EXPECT_EQ(config.late_threshold_ms, 30'000);
    EXPECT_EQ(lateness_distribution_of(config), LatenessDistribution::LogUniform);
    EXPECT_EQ(config.audit_log, "");
    EXPECT_EQ(config.max_in_flight, 10'000u);

    const SimulatorConfig defaults = default_config();
    EXPECT_EQ(defaults.events, config.events);
    EXPECT_EQ(defaults.event_types, config.event_types);
    EXPECT_EQ(defaults.late_distribution, config.late_distribution);
    EXPECT_EQ(defaults.progress_interval_ms, config.progress_interval_ms);
    EXPECT_TRUE(validate({}).empty()) << joined(validate({}));
}

TEST(SimulatorConfig, AnAbsentKeyTakesItsDeclaredDefault) {
    Values values = with_defaults({{"seed", "7"}, {"users", "3"}});
    values.erase("seed");
    const SimulatorConfig config = parse(values);
    EXPECT_EQ(config.seed, 1);
    EXPECT_EQ(config.users, 3u);
}

TEST(SimulatorConfig, RatesSummingOverOneAreRefusedNamingEveryRate) {
    const auto problems = validate({{"late.rate", "0.5"}, {"duplicate.rate", "0.4"}, {"correction.rate", "0.3"}});
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_EQ(problems[0].key, "") << "about the rates together, not one key";
    for (const char* name : {"late.rate", "duplicate.rate", "correction.rate", "invalidation.rate", "deletion.rate",
                             "malformed.rate", "1.23"})
        EXPECT_NE(problems[0].message.find(name), std::string::npos) << name << " in " << problems[0].message;
}

TEST(SimulatorConfig, RatesSummingToExactlyOneAreAccepted) {
    // 1.0000000000000002 in binary.
    const auto problems = validate({{"late.rate", "0.7"},
                                    {"duplicate.rate", "0.2"},
                                    {"correction.rate", "0.1"},
                                    {"invalidation.rate", "0"},
                                    {"deletion.rate", "0"},
                                    {"malformed.rate", "0"}});
    EXPECT_TRUE(problems.empty()) << joined(problems);
}

// What `ingest connectors validate` reports before anything starts: every rule's problems at once.
TEST(SimulatorConfig, EveryProblemIsReportedAtOnce) {
    const auto problems = validate({{"event.types", "page_view:60,click"},
                                    {"late.rate", "0.2"},
                                    {"duplicate.rate", "0.4"},
                                    {"correction.rate", "0.9"},
                                    {"late.threshold.ms", "60000"},
                                    {"late.max.ms", "30000"},
                                    {"ontime.delay.max.ms", "90000"}});
    EXPECT_TRUE(mentions(problems, "event.types", "entry 2 'click' has no weight")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "", "sum to 1.5")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "late.max.ms", "is 30000, not above late.threshold.ms (60000)"))
        << joined(problems);
    EXPECT_TRUE(mentions(problems, "ontime.delay.max.ms", "is 90000, more than late.threshold.ms (60000)"))
        << joined(problems);
    EXPECT_EQ(problems.size(), 4u) << joined(problems);
}

TEST(SimulatorConfig, ParseRefusesABadConfigNamingEveryProblem) {
    try {
        parse(with_defaults({{"event.types", "a:0"}, {"malformed.rate", "0.9"}}));
        FAIL() << "bad config parsed";
    } catch (const sdk::FatalError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("key 'event.types': every weight is 0"), std::string::npos) << message;
        EXPECT_NE(message.find("sum to"), std::string::npos) << message;
    }
}

TEST(SimulatorConfig, LateBoundsOnlyMatterWhenThereAreLateRecords) {
    const auto problems = validate({{"late.rate", "0"}, {"late.max.ms", "1"}});
    EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(SimulatorConfig, EventTypesParse) {
    sdk::Problems problems;
    const auto types = parse_event_types(" page_view:60 , click:25,add_to_cart:0 ", problems);
    EXPECT_TRUE(problems.empty()) << joined(problems);
    ASSERT_EQ(types.size(), 3u);
    EXPECT_EQ(types[0].name, "page_view");
    EXPECT_EQ(types[1].weight, 25u);
    EXPECT_EQ(types[2].weight, 0u);
}

TEST(SimulatorConfig, BadEventTypesAreRefusedEntryByEntry) {
    sdk::Problems problems;
    parse_event_types("page_view,click:-5,:3,bad name:1,purchase:2.5,click:1,ok:1,,x:abc,ok:2", problems);
    EXPECT_TRUE(mentions(problems, "event.types", "entry 1 'page_view' has no weight")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "event.types", "entry 2 'click:-5' has weight '-5'")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "event.types", "entry 3 ':3' has no name")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "event.types", "entry 4 'bad name:1' has a name with ' '")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "event.types", "entry 5 'purchase:2.5' has weight '2.5'")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "event.types", "entry 8 is empty")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "event.types", "entry 9 'x:abc' has weight 'abc'")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "event.types", "entry 10 'ok:2' repeats the name 'ok'")) << joined(problems);
    EXPECT_EQ(problems.size(), 8u) << joined(problems);
}

TEST(SimulatorConfig, AllZeroWeightsAreRefused) {
    sdk::Problems problems;
    parse_event_types("a:0,b:0", problems);
    EXPECT_TRUE(mentions(problems, "event.types", "every weight is 0")) << joined(problems);
}

TEST(SimulatorConfig, DerivedValuesRefuseWhatTheRulesRefuse) {
    SimulatorConfig config = default_config();
    config.late_distribution = "uniform";
    EXPECT_EQ(lateness_distribution_of(config), LatenessDistribution::Uniform);
    config.late_distribution = "gaussian";
    EXPECT_THROW(lateness_distribution_of(config), sdk::FatalError);
    config.event_types = "page_view";
    EXPECT_THROW(event_types_of(config), sdk::FatalError);
}

TEST(SimulatorConfig, NegativeSeedsAreSeedsToo) {
    const auto problems = validate({{"seed", "-42"}});
    EXPECT_TRUE(problems.empty()) << joined(problems);
    EXPECT_EQ(parse(with_defaults({{"seed", "-42"}})).seed, -42);
}

// task_share(): what each of tasks.max tasks runs of the connector's stream.
TEST(SimulatorConfig, OneTaskKeepsTheConfiguredStreamAndPath) {
    SimulatorConfig config = default_config();
    config.events = 7;
    config.seed = 5;
    config.rate = 100;
    config.audit_log = "/tmp/a.jsonl";
    const SimulatorConfig share = task_share(config, 0, 1);
    EXPECT_EQ(share.events, 7u);
    EXPECT_EQ(share.seed, 5);
    EXPECT_EQ(share.rate, 100);
    EXPECT_EQ(share.audit_log, "/tmp/a.jsonl");

    const SimulatorConfig third = task_share(config, 2, 3);
    EXPECT_EQ(third.events, 2u);
    EXPECT_EQ(task_share(config, 0, 3).events, 3u);
    EXPECT_NE(third.seed, 5);
    EXPECT_NE(third.seed, task_share(config, 1, 3).seed);
    EXPECT_DOUBLE_EQ(third.rate, 100.0 / 3);
    EXPECT_EQ(third.audit_log, "/tmp/a.jsonl.2");
    EXPECT_EQ(task_audit_path("", 1, 3), "");
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
