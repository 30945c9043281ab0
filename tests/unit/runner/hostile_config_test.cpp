// Configs written carelessly or with intent: a structural error does not hide the other problems
// of the file, a repeated key is refused instead of silently taking the last value, and no value
// (nor file) may be larger than the runner is willing to hold, log or pass on.
#include "config/connector_config.hpp"
#include "config/json_duplicates.hpp"

#include <ingest/sdk.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

namespace {

using namespace ingest::config;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

constexpr ingest_config_key kSinkKeys[] = {
    ingest::sdk::password_key("connection.dsn", nullptr, "Database."),
    ingest::sdk::string_key("table", "events", "Table."),
};
const ingest_plugin kSink = [] {
    ingest_plugin plugin{};
    plugin.abi_version = INGEST_ABI_MAJOR;
    plugin.struct_size = sizeof plugin;
    plugin.name = "sink_test";
    plugin.kind = INGEST_KIND_SINK;
    plugin.config_keys = kSinkKeys;
    plugin.config_key_count = std::size(kSinkKeys);
    return plugin;
}();

// key → message of every problem validating `json` against kSink raises ("" for the file as a whole).
std::multimap<std::string, std::string> problems_validating(const std::string& json, const EnvLookup& env = fake_env({})) {
    std::multimap<std::string, std::string> by_key;
    try {
        validate_connector(parse_connector(json, "dir/pg.json", "pg", env), kSink);
        ADD_FAILURE() << "accepted: " << json;
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.source(), "dir/pg.json");
        for (const auto& problem : error.problems()) by_key.emplace(problem.key, problem.message);
    }
    return by_key;
}

std::string only(const std::multimap<std::string, std::string>& problems, const std::string& key) {
    EXPECT_EQ(problems.count(key), 1u) << "problems of key '" << key << "'";
    auto it = problems.find(key);
    return it == problems.end() ? "" : it->second;
}

TEST(HostileConfig, AWrongJsonTypeDoesNotHideTheOtherProblems) {
    auto problems = problems_validating(
        R"({"name": "pg", "config": {"plugin": "sink_test", "topics": ["a", "b"], "batch.max.ms": "0", "tabel": "x",
            "table": null}})");
    EXPECT_EQ(problems.size(), 5u);
    EXPECT_EQ(only(problems, "topics"), "value must be a string, number or boolean, not an array");
    EXPECT_EQ(only(problems, "table"), "value must be a string, number or boolean, not null");
    EXPECT_EQ(only(problems, "batch.max.ms"), "must be >= 1");
    EXPECT_NE(only(problems, "tabel").find("unknown key"), std::string::npos);
    EXPECT_NE(only(problems, "connection.dsn").find("is required"), std::string::npos);
}

TEST(HostileConfig, AWrongTypeForThePluginKeyIsReportedOnce) {
    auto spec = parse_connector(R"({"config": {"plugin": {"name": "sink_test"}, "x": [1]}})", "f.json", "f", fake_env({}));
    try {
        plugin_name_of(spec);
        FAIL() << "a plugin that is an object was accepted";
    } catch (const ConfigError& error) {
        ASSERT_EQ(error.problems().size(), 2u);
        EXPECT_EQ(error.problems()[0].key, "plugin");
        EXPECT_EQ(error.problems()[0].message, "value must be a string, number or boolean, not an object");
        EXPECT_EQ(error.problems()[1].key, "x");
    }
    // A plugin that cannot be found is reported with the file's other problems.
    auto error = spec_error(parse_connector(R"({"config": {"plugin": "nowhere", "x": [1]}})", "f.json", "f", fake_env({})),
                            {"plugin", "no plugin named 'nowhere'"});
    ASSERT_EQ(error.problems().size(), 2u);
    EXPECT_EQ(error.problems()[0].key, "x");
    EXPECT_EQ(error.problems()[1].message, "no plugin named 'nowhere'");
}

TEST(HostileConfig, ARepeatedKeyIsRefusedNamingTheKeyAndTheFile) {
    auto problems = problems_validating(
        R"({"name": "pg", "config": {"plugin": "sink_test", "topics": "t", "connection.dsn": "x",
            "table": "events", "table": "other", "table": "third"}})");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(only(problems, "table"),
              "is given more than once in \"config\"; give each key once (which value was meant is unknown, so none is used)");

    // A repeated top-level field makes the body no connector: refused before any validation.
    try {
        parse_connector(R"({"name": "a", "name": "b", "config": {}})", "dir/x.json", "x", fake_env({}));
        FAIL() << "a repeated name was accepted";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("dir/x.json"), std::string::npos) << error.what();
        ASSERT_EQ(error.problems().size(), 1u);
        EXPECT_EQ(error.problems()[0].message, "the field \"name\" is given more than once");
    }
}

TEST(HostileConfig, DuplicateKeysAreFoundInEveryObjectAndThroughEscapes) {
    auto found = find_duplicate_keys(
        R"({"a": {"x": 1, "\u0078": 2, "x": 3}, "b": [{"y": 1, "y": 2}, {"y": 3}], "x": {"z": {"q": 1, "q": 1}}})");
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found[0].object, "a");
    EXPECT_EQ(found[0].key, "x");
    EXPECT_EQ(found[1].object, "b[]");
    EXPECT_EQ(found[1].key, "y");
    EXPECT_EQ(found[2].object, "x.z");
    EXPECT_EQ(found[2].key, "q");
    EXPECT_TRUE(find_duplicate_keys(R"({"a": 1, "b": {"a": 1}})").empty());
    EXPECT_TRUE(find_duplicate_keys(R"({"a": 1, "a)").empty());  // broken JSON: what was found before
}

TEST(HostileConfig, AnOversizedValueIsRefusedWithItsSize) {
    const std::string huge(kMaxConfigValueBytes + 1, 'x');
    auto problems = problems_validating(R"({"config": {"plugin": "sink_test", "topics": "t", "connection.dsn": "x", "table": ")" +
                                        huge + R"("}})");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(only(problems, "table"), "the value is 65537 bytes long; a config value may be at most 65536 bytes");

    // Secrets too, and values made large through the environment.
    problems = problems_validating(R"({"config": {"plugin": "sink_test", "topics": "t", "connection.dsn": "${env:BIG}"}})",
                                   fake_env({{"BIG", huge}}));
    EXPECT_NE(only(problems, "connection.dsn").find("expands to more than 65536 bytes"), std::string::npos);
    std::string many_references;
    for (int i = 0; i < 300; ++i) many_references += "${env:KIB}";
    problems = problems_validating(R"({"config": {"plugin": "sink_test", "topics": "t", "connection.dsn": "x", "table": ")" +
                                       many_references + R"("}})",
                                   fake_env({{"KIB", std::string(1024, 'k')}}));
    EXPECT_NE(only(problems, "table").find("expands to more than 65536 bytes"), std::string::npos);
}

TEST(HostileConfig, ANulByteInAValueIsRefused) {
    auto problems = problems_validating(
        R"({"config": {"plugin": "sink_test", "topics": "t", "connection.dsn": "x", "table": "events\u0000; DROP TABLE x"}})");
    EXPECT_NE(only(problems, "table").find("contains a NUL byte"), std::string::npos);
}

TEST(HostileConfig, AnOversizedFileIsRefusedUnread) {
    const auto file = std::filesystem::temp_directory_path() / ("ingest-huge-" + std::to_string(::getpid()) + ".json");
    {
        std::ofstream out(file, std::ios::binary);
        out << R"({"config": {"plugin": "sink_test", "table": ")" << std::string(2 * kMaxConnectorFileBytes, 'x') << R"("}})";
    }
    try {
        read_connector_file(file, fake_env({}));
        FAIL() << "a 2 MiB connector file was read";
    } catch (const ConfigError& error) {
        ASSERT_EQ(error.problems().size(), 1u);
        EXPECT_NE(error.problems()[0].message.find("a connector config may be at most 1048576 bytes"), std::string::npos)
            << error.problems()[0].message;
    }
    std::filesystem::remove(file);
}

TEST(HostileConfig, AnAbsurdKeyIsShownCut) {
    const std::string key(100'000, 'k');
    auto problems = problems_validating(R"({"config": {"plugin": "sink_test", "topics": "t", "connection.dsn": "x", ")" + key +
                                        R"(": "v"}})");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_LT(problems.begin()->first.size(), 200u);
    EXPECT_NE(problems.begin()->first.find("(100000 bytes)"), std::string::npos);
}

}  // namespace
