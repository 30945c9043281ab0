#include "config.hpp"
#include "config_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace ingest::plugins::source_event_simulator {
namespace {

// A connector config as the runner hands it over: every table key present, defaults filled in.
std::map<std::string, std::string> table_defaults() {
    std::map<std::string, std::string> values;
    for (const ingest_config_key& key : kConfigTable) values[key.name] = key.default_value;
    return values;
}

std::vector<std::string> load(const std::map<std::string, std::string>& values,
                              SimulatorConfig& config) {
    return load_config(
        [&](std::string_view name) -> std::optional<std::string> {
            auto found = values.find(std::string(name));
            if (found == values.end()) return std::nullopt;
            return found->second;
        },
        config);
}

std::string joined(const std::vector<std::string>& problems) {
    std::string text;
    for (const auto& problem : problems) text += problem + "\n";
    return text;
}

bool mentions(const std::vector<std::string>& problems, std::string_view needle) {
    for (const auto& problem : problems)
        if (problem.find(needle) != std::string::npos) return true;
    return false;
}

TEST(SimulatorConfig, TableDeclaresEveryKeyOnceWithDocsAndDefaults) {
    std::set<std::string> names;
    for (const ingest_config_key& key : kConfigTable) {
        EXPECT_TRUE(names.insert(key.name).second) << key.name;
        ASSERT_NE(key.default_value, nullptr) << key.name;
        EXPECT_GT(std::string(key.documentation).size(), 20u) << key.name;
    }
    // Runner-level keys are the runner's; a plugin table must not declare them.
    for (const char* runner_key : {"plugin", "tasks.max", "topic", "topics", "topic.partitions"})
        EXPECT_EQ(names.count(runner_key), 0u) << runner_key;
}

TEST(SimulatorConfig, TableDefaultsLoadAsTheStructDefaults) {
    SimulatorConfig config;
    config.rates = {};  // proves the loader sets them
    const auto problems = load(table_defaults(), config);
    ASSERT_TRUE(problems.empty()) << joined(problems);
    const SimulatorConfig expected;
    EXPECT_EQ(config.events, expected.events);
    EXPECT_EQ(config.users, expected.users);
    ASSERT_EQ(config.event_types.size(), 4u);
    EXPECT_EQ(config.event_types[0].name, "page_view");
    EXPECT_EQ(config.event_types[0].weight, 60u);
    EXPECT_EQ(config.event_types[3].name, "purchase");
    EXPECT_DOUBLE_EQ(config.rates.late, 0.05);
    EXPECT_DOUBLE_EQ(config.rates.malformed, 0.01);
    EXPECT_EQ(config.late_threshold_ms, 30'000);
    EXPECT_EQ(config.late_distribution, LatenessDistribution::LogUniform);
    EXPECT_EQ(config.audit_log, "");
}

TEST(SimulatorConfig, RatesSummingOverOneAreRefusedNamingEveryRate) {
    auto values = table_defaults();
    values["late.rate"] = "0.5";
    values["duplicate.rate"] = "0.4";
    values["correction.rate"] = "0.3";
    SimulatorConfig config;
    const auto problems = load(values, config);
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    for (const char* name : {"late.rate", "duplicate.rate", "correction.rate", "invalidation.rate",
                             "deletion.rate", "malformed.rate", "1.23"})
        EXPECT_NE(problems[0].find(name), std::string::npos) << name << " in " << problems[0];
}

TEST(SimulatorConfig, RatesSummingToExactlyOneAreAccepted) {
    SimulatorConfig config;
    config.rates = {0.7, 0.2, 0.1, 0, 0, 0};  // 1.0000000000000002 in binary
    EXPECT_TRUE(check_config(config).empty()) << joined(check_config(config));
}

TEST(SimulatorConfig, EveryProblemIsReportedAtOnce) {
    SimulatorConfig config;
    config.rates = {0.2, -0.1, 0.9, 0.5, 0, 0};
    config.late_threshold_ms = 60'000;
    config.late_max_ms = 30'000;
    config.ontime_delay_max_ms = 90'000;
    config.duplicate_stale_fraction = 2;
    const auto problems = check_config(config);
    EXPECT_TRUE(mentions(problems, "duplicate.rate: -0.1 is outside [0, 1]")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "sum to 1.5")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "late.max.ms (30000) must exceed late.threshold.ms (60000)"))
        << joined(problems);
    EXPECT_TRUE(mentions(problems, "ontime.delay.max.ms (90000)")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "duplicate.stale.fraction")) << joined(problems);
    EXPECT_EQ(problems.size(), 5u) << joined(problems);
}

TEST(SimulatorConfig, LateBoundsOnlyMatterWhenThereAreLateRecords) {
    SimulatorConfig config;
    config.rates.late = 0;
    config.late_max_ms = 1;
    EXPECT_TRUE(check_config(config).empty());
}

TEST(SimulatorConfig, EventTypesParse) {
    std::vector<std::string> problems;
    const auto types = parse_event_types(" page_view:60 , click:25,add_to_cart:0 ", problems);
    EXPECT_TRUE(problems.empty()) << joined(problems);
    ASSERT_EQ(types.size(), 3u);
    EXPECT_EQ(types[0].name, "page_view");
    EXPECT_EQ(types[1].weight, 25u);
    EXPECT_EQ(types[2].weight, 0u);
}

TEST(SimulatorConfig, BadEventTypesAreRefusedEntryByEntry) {
    std::vector<std::string> problems;
    parse_event_types("page_view,click:-5,:3,bad name:1,purchase:2.5,click:1,ok:1,,x:abc,ok:2",
                      problems);
    EXPECT_TRUE(mentions(problems, "entry 1 'page_view' has no weight")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "entry 2 'click:-5' has weight '-5'")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "entry 3 ':3' has no name")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "entry 4 'bad name:1' has a name with ' '")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "entry 5 'purchase:2.5' has weight '2.5'")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "entry 8 is empty")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "entry 9 'x:abc' has weight 'abc'")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "entry 10 'ok:2' repeats the name 'ok'")) << joined(problems);
    EXPECT_EQ(problems.size(), 8u) << joined(problems);
    for (const auto& problem : problems) EXPECT_EQ(problem.rfind("event.types: ", 0), 0u) << problem;
}

TEST(SimulatorConfig, AllZeroWeightsAreRefused) {
    std::vector<std::string> problems;
    parse_event_types("a:0,b:0", problems);
    EXPECT_TRUE(mentions(problems, "every weight is 0")) << joined(problems);
}

TEST(SimulatorConfig, LoadReportsParseAndCrossKeyProblemsTogether) {
    auto values = table_defaults();
    values["event.types"] = "page_view:x";
    values["deletion.rate"] = "0.9";
    values["late.distribution"] = "gaussian";
    SimulatorConfig config;
    const auto problems = load(values, config);
    EXPECT_TRUE(mentions(problems, "event.types: entry 1")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "late.distribution: 'gaussian'")) << joined(problems);
    EXPECT_TRUE(mentions(problems, "sum to")) << joined(problems);
    EXPECT_EQ(problems.size(), 3u) << joined(problems);
}

TEST(SimulatorConfig, MissingKeysAreNamed) {
    auto values = table_defaults();
    values.erase("seed");
    SimulatorConfig config;
    const auto problems = load(values, config);
    EXPECT_TRUE(mentions(problems, "seed: missing")) << joined(problems);
}

TEST(SimulatorConfig, NegativeSeedsAreSeedsToo) {
    auto values = table_defaults();
    values["seed"] = "-42";
    SimulatorConfig config;
    EXPECT_TRUE(load(values, config).empty());
    EXPECT_EQ(config.seed, static_cast<uint64_t>(-42LL));
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
