// ConfigDef: one declaration per key gives the C table the host validates and the parsing.
#include <ingest/sdk.hpp>

#include <gtest/gtest.h>

#include <map>

namespace {

using ingest::sdk::Config;
using ingest::sdk::ConfigDef;
using ingest::sdk::Problems;

struct Settings {
    std::string table;
    std::string password;
    int batch = 0;
    long long limit = 0;
    double ratio = 0;
    bool flag = false;
    std::string mode;
};

ConfigDef<Settings> make_def() {
    return ConfigDef<Settings>()
        .key("table", &Settings::table, "events", "Table.")
        .secret("password", &Settings::password, ingest::sdk::required, "Password.")
        .key("batch", &Settings::batch, 1000, "Batch.")
        .between(1, 100000)
        .key("limit", &Settings::limit, ingest::sdk::required, "Limit.")
        .key("ratio", &Settings::ratio, 0.25, "Ratio.")
        .at_least(0)
        .key("flag", &Settings::flag, true, "Flag.")
        .key("mode", &Settings::mode, "fast", "Mode.")
        .one_of({"fast", "safe"})
        .rule([](const Settings& s, Problems& problems) {
            if (s.limit < s.batch) problems.push_back({"limit", "must be at least batch"});
        });
}

TEST(ConfigDef, TheTableComesFromTheDeclarations) {
    const auto def = make_def();
    auto table = def.table();
    ASSERT_EQ(table.size(), 7u);
    EXPECT_EQ(table[0].struct_size, sizeof(ingest_config_key));
    EXPECT_STREQ(table[0].name, "table");
    EXPECT_EQ(table[0].type, INGEST_CONFIG_STRING);
    EXPECT_STREQ(table[0].default_value, "events");
    EXPECT_EQ(table[1].type, INGEST_CONFIG_PASSWORD);
    EXPECT_EQ(table[1].default_value, nullptr);
    EXPECT_EQ(table[2].type, INGEST_CONFIG_INT);
    EXPECT_STREQ(table[2].default_value, "1000");
    EXPECT_TRUE(table[2].has_min && table[2].has_max);
    EXPECT_EQ(table[2].min, 1);
    EXPECT_EQ(table[2].max, 100000);
    EXPECT_EQ(table[4].type, INGEST_CONFIG_DOUBLE);
    EXPECT_STREQ(table[4].default_value, "0.25");
    EXPECT_TRUE(table[4].has_min);
    EXPECT_FALSE(table[4].has_max);
    EXPECT_EQ(table[5].type, INGEST_CONFIG_BOOL);
    EXPECT_STREQ(table[5].default_value, "true");
    ASSERT_NE(table[6].allowed_values, nullptr);
    EXPECT_STREQ(table[6].allowed_values[0], "fast");
    EXPECT_STREQ(table[6].allowed_values[1], "safe");
    EXPECT_EQ(table[6].allowed_values[2], nullptr);
}

TEST(ConfigDef, ACopyHasATableOfItsOwn) {
    const char* name_in_copy = nullptr;
    {
        auto original = std::make_unique<ConfigDef<Settings>>(make_def());
        ConfigDef<Settings> copy = *original;
        original.reset();
        name_in_copy = copy.table()[6].allowed_values[1];
        EXPECT_STREQ(name_in_copy, "safe");
        EXPECT_STREQ(copy.table()[0].default_value, "events");
    }
}

TEST(ConfigDef, ParsesEveryTypeIntoItsMember) {
    ingest::sdk::OwnedConfig raw({{"table", "t"}, {"password", "pw"}, {"batch", "20"}, {"limit", "5000000000"},
                   {"ratio", "1.5"}, {"flag", "false"}, {"mode", "safe"}});
    Settings s = make_def().parse(raw.config());
    EXPECT_EQ(s.table, "t");
    EXPECT_EQ(s.password, "pw");
    EXPECT_EQ(s.batch, 20);
    EXPECT_EQ(s.limit, 5000000000LL);
    EXPECT_DOUBLE_EQ(s.ratio, 1.5);
    EXPECT_FALSE(s.flag);
    EXPECT_EQ(s.mode, "safe");
}

TEST(ConfigDef, FillsDefaultsOfKeysTheConfigLacks) {
    ingest::sdk::OwnedConfig raw({{"password", "pw"}, {"limit", "2000"}});
    Settings s = make_def().parse(raw.config());
    EXPECT_EQ(s.table, "events");
    EXPECT_EQ(s.batch, 1000);
    EXPECT_DOUBLE_EQ(s.ratio, 0.25);
    EXPECT_TRUE(s.flag);
}

TEST(ConfigDef, ReportsEveryProblemAtOnce) {
    ingest::sdk::OwnedConfig raw({{"batch", "many"}, {"flag", "yes"}, {"ratio", "1.5x"}});
    Problems problems = make_def().validate(raw.config());
    ASSERT_EQ(problems.size(), 5u);
    EXPECT_EQ(problems[0].key, "password");
    EXPECT_EQ(problems[0].message, "is required");
    EXPECT_EQ(problems[1].key, "batch");
    EXPECT_EQ(problems[1].message, "must be an integer, not 'many'");
    EXPECT_EQ(problems[2].key, "limit");
    EXPECT_EQ(problems[3].key, "ratio");
    EXPECT_EQ(problems[4].message, "must be true or false, not 'yes'");
    try {
        make_def().parse(raw.config());
        ADD_FAILURE() << "parse accepted a broken config";
    } catch (const ingest::sdk::FatalError& e) {
        EXPECT_NE(std::string(e.what()).find("key 'batch': must be an integer, not 'many'; key 'limit'"),
                  std::string::npos)
            << e.what();
    }
}

TEST(ConfigDef, AnIntegerTooLargeForItsMemberIsAProblem) {
    ingest::sdk::OwnedConfig raw({{"password", "pw"}, {"limit", "1"}, {"batch", "3000000000"}});
    Problems problems = make_def().validate(raw.config());
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].message, "'3000000000' is out of range");
}

TEST(ConfigDef, NegativeIntegersFitSignedMembers) {
    ingest::sdk::OwnedConfig raw({{"password", "pw"}, {"limit", "-5000000000"}, {"batch", "-3"}});
    Settings s{};
    Problems problems = make_def().parse_into(raw.config(), s);
    ASSERT_EQ(problems.size(), 1u);  // only the rule: limit < batch
    EXPECT_EQ(problems[0].key, "limit");
    EXPECT_EQ(s.limit, -5000000000LL);
    EXPECT_EQ(s.batch, -3);
}

struct Unsigned {
    unsigned count = 0;
    std::string name;
};

TEST(ConfigDef, NegativeIntegersDoNotFitUnsignedMembers) {
    const auto def = ConfigDef<Unsigned>()
                         .key("count", &Unsigned::count, 1u, "Count.")
                         .key("name", &Unsigned::name, "x", "Name.")
                         .not_empty();
    ingest::sdk::OwnedConfig raw({{"count", "-1"}, {"name", ""}});
    Problems problems = def.validate(raw.config());
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_EQ(problems[0].message, "'-1' is out of range");
    EXPECT_EQ(problems[1].key, "name");
    EXPECT_EQ(problems[1].message, "must not be empty");
}

TEST(ConfigValues, OneGrammarForTheRunnerAndTheSdk) {
    EXPECT_EQ(ingest::sdk::parse_int("-42"), -42);
    EXPECT_FALSE(ingest::sdk::parse_int(" 5"));
    EXPECT_FALSE(ingest::sdk::parse_int("5 "));
    EXPECT_FALSE(ingest::sdk::parse_int("+5"));
    EXPECT_FALSE(ingest::sdk::parse_int("99999999999999999999"));
    EXPECT_EQ(ingest::sdk::parse_double("1e-3"), 0.001);
    EXPECT_FALSE(ingest::sdk::parse_double("inf"));
    EXPECT_FALSE(ingest::sdk::parse_double("1.5x"));
    EXPECT_EQ(ingest::sdk::parse_bool("false"), false);
    EXPECT_FALSE(ingest::sdk::parse_bool("yes"));
}

TEST(ConfigDef, RulesRunOnceEveryKeyParsed) {
    ingest::sdk::OwnedConfig raw({{"password", "pw"}, {"limit", "10"}, {"batch", "20"}});
    Problems problems = make_def().validate(raw.config());
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].key, "limit");
    EXPECT_EQ(problems[0].message, "must be at least batch");
}

}  // namespace
