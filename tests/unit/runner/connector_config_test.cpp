#include "config/connector_config.hpp"

#include <ingest/sdk.hpp>

#include <gtest/gtest.h>

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

std::vector<Problem> problems_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ConfigError& error) {
        return error.problems();
    }
    return {};
}

TEST(EnvExpansion, ReplacesVariablesAndDefaults) {
    std::string out;
    auto env = fake_env({{"HOST", "db"}, {"EMPTY", ""}});
    EXPECT_FALSE(expand_env("host=${env:HOST} port=${env:PORT:-5432}", env, out));
    EXPECT_EQ(out, "host=db port=5432");
    EXPECT_FALSE(expand_env("${env:EMPTY:-fallback}", env, out));
    EXPECT_EQ(out, "fallback");
    EXPECT_FALSE(expand_env("no references", env, out));
    EXPECT_EQ(out, "no references");
}

TEST(EnvExpansion, NamesTheMissingVariable) {
    std::string out;
    EXPECT_EQ(expand_env("${env:INGEST_PG_DSN}", fake_env({}), out), "environment variable INGEST_PG_DSN is not set");
    EXPECT_EQ(expand_env("${env:OOPS", fake_env({}), out), "unterminated '${env:' reference in '${env:OOPS'");
}

TEST(ConnectorFile, ParsesNameConfigAndNonStringValues) {
    auto spec = parse_connector(R"({"name": "pg", "config": {"plugin": "sink_test", "tasks.max": 2, "x": true}})",
                                "pg.json", "fallback", fake_env({}));
    EXPECT_EQ(spec.name, "pg");
    EXPECT_EQ(spec.raw.at("tasks.max"), "2");
    EXPECT_EQ(spec.raw.at("x"), "true");
}

TEST(ConnectorFile, UsesTheFileNameWhenTheBodyHasNoName) {
    auto spec = parse_connector(R"({"config": {"plugin": "p"}})", "dir/pg.json", "pg", fake_env({}));
    EXPECT_EQ(spec.name, "pg");
}

TEST(ConnectorFile, ReportsWhereTheJsonIsBroken) {
    auto problems = problems_of([] { parse_connector("{\n  \"config\": {\n    \"plugin\": }\n}", "f.json", "f", fake_env({})); });
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].message.find("not valid JSON at line 3"), std::string::npos) << problems[0].message;
}

TEST(ConnectorFile, ReportsEveryStructuralProblem) {
    auto problems = problems_of([] {
        parse_connector(R"({"name": "bad name!", "configs": {}, "config": {"a": [1], "b": "${env:NOPE}"}})", "f.json",
                        "f", fake_env({}));
    });
    ASSERT_EQ(problems.size(), 4u);  // unknown field, bad name, array value, unset variable
}

TEST(ConnectorValidation, RejectsUnknownKeysAndMissingRequiredOnesTogether) {
    ConnectorSpec spec{"pg.json", "pg", {{"plugin", "sink_test"}, {"tabel", "x"}, {"batch.max.ms", "0"}}};
    auto problems = problems_of([&] { validate_connector(spec, kSink); });
    std::map<std::string, std::string> by_key;
    for (const auto& p : problems) by_key[p.key] = p.message;
    EXPECT_EQ(problems.size(), 4u);
    EXPECT_NE(by_key["tabel"].find("unknown key"), std::string::npos);
    EXPECT_NE(by_key["connection.dsn"].find("is required"), std::string::npos);
    EXPECT_NE(by_key["topics"].find("is required"), std::string::npos);
    EXPECT_EQ(by_key["batch.max.ms"], "must be >= 1");
}

TEST(ConnectorValidation, SplitsRunnerAndPluginKeysAndRemembersSecrets) {
    ConnectorSpec spec{"pg.json", "pg", {{"plugin", "sink_test"}, {"topics", "a, b ,"}, {"connection.dsn", "secret-dsn"}}};
    auto config = validate_connector(spec, kSink);
    EXPECT_EQ(config.topics(), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(config.plugin.at("table"), "events");
    EXPECT_EQ(config.plugin.count("topics"), 0u);
    EXPECT_EQ(config.runner.batch_max_records, 20000);
    EXPECT_EQ(config.consumer_group(), "connect-pg");
    EXPECT_EQ(config.dead_letter_topic(), "a.dlq");
    EXPECT_EQ(config.secrets, (std::vector<std::string>{"secret-dsn"}));
}

TEST(ConnectorValidation, ASourceKeyOnASinkIsNamedAsSuch) {
    ConnectorSpec spec{"pg.json", "pg", {{"plugin", "sink_test"}, {"topics", "a"}, {"connection.dsn", "x"}, {"topic", "a"}}};
    auto problems = problems_of([&] { validate_connector(spec, kSink); });
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].message.find("other connector kind"), std::string::npos) << problems[0].message;
}

}  // namespace

namespace {

// topic.creation.* (KIP-158) on a source: the topic configs it asks for, every problem at once.
constexpr ingest_config_key kSourceKeys[] = {
    ingest::sdk::string_key("seed", "1", "Seed."),
};
const ingest_plugin kSource = [] {
    ingest_plugin plugin{};
    plugin.abi_version = INGEST_ABI_MAJOR;
    plugin.struct_size = sizeof plugin;
    plugin.name = "source_test";
    plugin.kind = INGEST_KIND_SOURCE;
    plugin.config_keys = kSourceKeys;
    plugin.config_key_count = std::size(kSourceKeys);
    return plugin;
}();

ConnectorSpec source_spec(std::map<std::string, std::string> extra) {
    ConnectorSpec spec;
    spec.source = "src.json";
    spec.name = "src";
    spec.raw = {{"plugin", "source_test"}, {"topic", "user-events"}};
    spec.raw.merge(extra);
    return spec;
}

TEST(TopicCreation, TakesKafkaTopicConfigsForTheSourcesTopic) {
    auto config = validate_connector(source_spec({{"topic.creation.default.cleanup.policy", "compact"},
                                                  {"topic.creation.default.segment.bytes", "16384"},
                                                  {"topic.creation.default.min.cleanable.dirty.ratio", "0.01"},
                                                  {"topic.creation.default.replication.factor", "1"},
                                                  {"topic.creation.default.partitions", "3"},
                                                  {"topic.partitions", "6"}}),
                                     kSource);
    EXPECT_EQ(config.topic_configs, (std::map<std::string, std::string>{{"cleanup.policy", "compact"},
                                                                        {"min.cleanable.dirty.ratio", "0.01"},
                                                                        {"segment.bytes", "16384"}}));
    EXPECT_EQ(config.runner.topic_creation_replication_factor, 1);
    EXPECT_EQ(config.created_topic_partitions(), 3);
    EXPECT_TRUE(config.plugin.find("topic.creation.default.cleanup.policy") == config.plugin.end());
}

TEST(TopicCreation, DefaultsToTheBrokersReplicationAndTopicPartitions) {
    auto config = validate_connector(source_spec({{"topic.partitions", "4"}}), kSource);
    EXPECT_TRUE(config.topic_configs.empty());
    EXPECT_EQ(config.runner.topic_creation_replication_factor, -1);
    EXPECT_EQ(config.created_topic_partitions(), 4);
}

TEST(TopicCreation, ReportsEveryBadKeyAtOnce) {
    auto problems = problems_of([] {
        validate_connector(source_spec({{"topic.creation.default.cleanup.policy", "compacted"},
                                        {"topic.creation.default.segment.bytes", "16k"},
                                        {"topic.creation.default.min.cleanable.dirty.ratio", "1.5"},
                                        {"topic.creation.default.segmnt.ms", "100"},
                                        {"topic.creation.groups", "compacted"}}),
                           kSource);
    });
    std::map<std::string, std::string> by_key;
    for (const auto& problem : problems) by_key[problem.key] = problem.message;
    ASSERT_EQ(by_key.size(), 5u) << problems.size();
    EXPECT_NE(by_key["topic.creation.default.cleanup.policy"].find("delete, compact or compact,delete"), std::string::npos);
    EXPECT_NE(by_key["topic.creation.default.segment.bytes"].find("integer"), std::string::npos);
    EXPECT_NE(by_key["topic.creation.default.min.cleanable.dirty.ratio"].find("from 0 to 1"), std::string::npos);
    EXPECT_NE(by_key["topic.creation.default.segmnt.ms"].find("'segmnt.ms' is not a Kafka topic config"), std::string::npos);
    EXPECT_NE(by_key["topic.creation.groups"].find("only the `default` group"), std::string::npos);
}

TEST(TopicCreation, RefusesAReplicationFactorOfZero) {
    auto problems = problems_of([] {
        validate_connector(source_spec({{"topic.creation.default.replication.factor", "0"}}), kSource);
    });
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].key, "topic.creation.default.replication.factor");
}

TEST(TopicCreation, IsRefusedOnASink) {
    ConnectorSpec spec;
    spec.source = "sink.json";
    spec.name = "sink";
    spec.raw = {{"plugin", "sink_test"}, {"topics", "t"}, {"connection.dsn", "x"},
                {"topic.creation.default.cleanup.policy", "compact"}};
    auto problems = problems_of([&] { validate_connector(spec, kSink); });
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].key, "topic.creation.default.cleanup.policy");
    EXPECT_NE(problems[0].message.find("a source writes"), std::string::npos);
}

}  // namespace
