#include "settings.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace ingest::plugins::sink_validator {
namespace {

using Values = std::map<std::string, std::string>;

// The two required keys given, `overrides` on top; the rest take their defaults.
Values minimal(const Values& overrides = {}) {
    Values values{{"audit.log", "/var/lib/ingest/audit.jsonl"}, {"connection.dsn", "postgresql://validator@db/events"}};
    for (const auto& [name, value] : overrides) values[name] = value;
    return values;
}

sdk::Problems validate(const Values& values) {
    const sdk::OwnedConfig raw(values);
    return config_def().validate(raw.config());
}

bool has_problem(const sdk::Problems& problems, std::string_view key, std::string_view needle) {
    for (const auto& problem : problems)
        if (problem.key == key && problem.message.find(needle) != std::string::npos) return true;
    return false;
}

TEST(ValidatorSettings, TableDeclaresEveryKeyOnceWithDocs) {
    std::set<std::string> names;
    for (const ingest_config_key& key : config_def().table()) {
        EXPECT_TRUE(names.insert(key.name).second) << key.name;
        EXPECT_GT(std::string(key.documentation).size(), 10u) << key.name;
        const std::string_view name = key.name;
        EXPECT_EQ(key.default_value == nullptr, name == "audit.log" || name == "connection.dsn") << name;
    }
    EXPECT_EQ(names.size(), 17u);
    for (const ingest_config_key& key : config_def().table())
        EXPECT_EQ(key.type == INGEST_CONFIG_PASSWORD, std::string_view(key.name) == "connection.dsn") << key.name;
}

TEST(ValidatorSettings, DefaultsFillEverythingButTheRequiredKeys) {
    const sdk::OwnedConfig raw(minimal());
    const Settings settings = config_def().parse(raw.config());
    EXPECT_EQ(settings.audit_log, "/var/lib/ingest/audit.jsonl");
    EXPECT_EQ(settings.audit_log_tasks, 0) << "0: read from the source's stream file";
    EXPECT_EQ(settings.dsn, "postgresql://validator@db/events");
    EXPECT_EQ(settings.schema, "public");
    EXPECT_EQ(settings.table, "events");
    EXPECT_EQ(settings.deletions_table, "events_deletions");
    EXPECT_EQ(settings.offsets_table, "ingest_offsets");
    EXPECT_EQ(settings.sink_connector, "user-events-postgres");
    EXPECT_EQ(settings.source_topic, "user-events");
    EXPECT_EQ(settings.dlq_topic, "user-events.dlq");
    EXPECT_EQ(settings.timeout_ms, 600'000);
    EXPECT_EQ(settings.report_path, "");
    EXPECT_EQ(settings.examples_max, 10);
    EXPECT_EQ(settings.late_threshold_ms, 30'000);
    EXPECT_EQ(settings.memory_budget_mb, 32);
    EXPECT_EQ(settings.spill_dir, "");
}

TEST(ValidatorSettings, MissingRequiredKeysAreNamed) {
    const auto problems = validate({});
    EXPECT_TRUE(has_problem(problems, "audit.log", "is required"));
    EXPECT_TRUE(has_problem(problems, "connection.dsn", "is required"));
}

// What `ingest connectors validate` reports before anything starts: every problem at once.
TEST(ValidatorSettings, EveryProblemIsReportedAtOnce) {
    const auto problems = validate(minimal({{"audit.log", ""},
                                            {"connection.dsn", ""},
                                            {"schema", ""},
                                            {"offsets.table", ""},
                                            {"sink.connector", ""},
                                            {"source.topic", "events"},
                                            {"dlq.topic", "events"}}));
    for (const char* key : {"audit.log", "connection.dsn", "schema", "offsets.table", "sink.connector"})
        EXPECT_TRUE(has_problem(problems, key, "must not be empty")) << key << ": " << sdk::describe_problems(problems);
    EXPECT_TRUE(has_problem(problems, "dlq.topic", "is 'events', the same topic as source.topic"))
        << sdk::describe_problems(problems);
    EXPECT_EQ(problems.size(), 6u) << sdk::describe_problems(problems);

    const sdk::OwnedConfig raw(minimal({{"table", ""}}));
    try {
        config_def().parse(raw.config());
        FAIL() << "an empty table name parsed";
    } catch (const sdk::FatalError& e) {
        EXPECT_NE(std::string(e.what()).find("key 'table': must not be empty"), std::string::npos) << e.what();
    }
}

TEST(ValidatorSettings, AGoodConfigHasNoProblems) {
    const auto problems = validate(minimal({{"report.path", ""}, {"source.topic", "a"}, {"dlq.topic", "a.dlq"}}));
    EXPECT_TRUE(problems.empty()) << sdk::describe_problems(problems);
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
