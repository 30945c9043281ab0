#include "config/config_table.hpp"

#include <ingest/sdk.hpp>

#include <gtest/gtest.h>

namespace {

using namespace ingest::config;
using ingest::sdk::bool_key;
using ingest::sdk::double_key;
using ingest::sdk::int_key;
using ingest::sdk::string_key;

constexpr const char* kModes[] = {"none", "daily", nullptr};
constexpr ingest_config_key kTable[] = {
    string_key("dsn", nullptr, "Where."),
    int_key("batch", "100", "How many.", 1, 1000),
    double_key("rate", "0.5", "How often.", 0, 1),
    bool_key("create", "true", "Whether."),
    string_key("mode", "none", "Which.", kModes),
};

TEST(ConfigTable, FillsDefaultsAndKeepsGivenValues) {
    std::map<std::string, std::string> out;
    std::vector<Problem> problems;
    apply_table(kTable, {{"dsn", "x"}, {"batch", "5"}}, out, problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(out.at("dsn"), "x");
    EXPECT_EQ(out.at("batch"), "5");
    EXPECT_EQ(out.at("rate"), "0.5");
    EXPECT_EQ(out.at("mode"), "none");
}

TEST(ConfigTable, ReportsEveryProblemAtOnce) {
    std::map<std::string, std::string> out;
    std::vector<Problem> problems;
    apply_table(kTable, {{"batch", "0"}, {"rate", "lots"}, {"create", "yes"}, {"mode", "hourly"}}, out, problems);
    ASSERT_EQ(problems.size(), 5u);
    std::map<std::string, std::string> by_key;
    for (const auto& p : problems) by_key[p.key] = p.message;
    EXPECT_NE(by_key["dsn"].find("is required"), std::string::npos);
    EXPECT_EQ(by_key["batch"], "must be >= 1");
    EXPECT_EQ(by_key["rate"], "expected a number, got 'lots'");
    EXPECT_EQ(by_key["create"], "expected true or false, got 'yes'");
    EXPECT_EQ(by_key["mode"], "'hourly' is not one of: none, daily");
}

TEST(ConfigTable, RejectsIntegersWithTrailingJunkOrOverflow) {
    EXPECT_TRUE(check_value(kTable[1], "12abc"));
    EXPECT_TRUE(check_value(kTable[1], "99999999999999999999999"));
    EXPECT_TRUE(check_value(kTable[1], ""));
    EXPECT_FALSE(check_value(kTable[1], "1000"));
    EXPECT_TRUE(check_value(kTable[1], "1001"));
}

TEST(ConfigTable, FindsProblemsInATableItself) {
    constexpr ingest_config_key bad[] = {
        int_key("n", "ten", "Bad default."),
        string_key("n", "", "Declared twice."),
        string_key("", "", "No name."),
    };
    auto problems = check_table(bad);
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_NE(problems[0].find("default of config key 'n' expected an integer"), std::string::npos) << problems[0];
    EXPECT_NE(problems[1].find("declared twice"), std::string::npos) << problems[1];
    EXPECT_NE(problems[2].find("has no name"), std::string::npos) << problems[2];
}

}  // namespace
