// Statement texts, partition names, lock keys and the settings read from a config: the parts of
// the sink's SQL layer that need no server.
#include "daily_partitions.hpp"
#include "lock_key.hpp"
#include "settings.hpp"
#include "sql_text.hpp"

#include "offline_connection.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace ingest::plugins::sink_postgres {
namespace {

using ingest::testing::OfflineConnection;

TEST(SqlText, UsesQuotedNamesEverywhere) {
    OfflineConnection offline;
    TableNames names{"my schema", "ev\"ents", "dels", "offs", Partitioning::None};
    const QuotedTables tables(offline.conn.get(), names);
    const SqlText sql(tables);
    EXPECT_EQ(tables.events, "\"my schema\".\"ev\"\"ents\"");
    EXPECT_NE(sql.copy_rows.find("COPY \"my schema\".\"ev\"\"ents\" (event_id,"), std::string::npos);
    EXPECT_NE(sql.lookup.find("FROM \"my schema\".\"ev\"\"ents\" WHERE event_id = ANY"), std::string::npos);
    EXPECT_NE(sql.lookup.find("FROM \"my schema\".\"dels\" WHERE event_id = ANY"), std::string::npos);
    EXPECT_NE(sql.mark_deleted.find("INSERT INTO \"my schema\".\"dels\""), std::string::npos);
    EXPECT_NE(sql.save_offset.find("INSERT INTO \"my schema\".\"offs\""), std::string::npos);
    EXPECT_EQ(sql.delete_rows, "DELETE FROM \"my schema\".\"ev\"\"ents\" WHERE event_id = ANY($1::uuid[])");
    EXPECT_TRUE(sql.copy_keys.empty());
}

TEST(SqlText, DailyPartitioningUsesTheKeysTable) {
    OfflineConnection offline;
    TableNames names{"public", "events", "events_deletions", "ingest_offsets", Partitioning::Daily};
    const QuotedTables tables(offline.conn.get(), names);
    const SqlText sql(tables);
    EXPECT_EQ(tables.keys, "\"public\".\"events_keys\"");
    EXPECT_NE(sql.lookup.find("FROM \"public\".\"events_keys\" WHERE"), std::string::npos);
    EXPECT_NE(sql.update_rows.find("e.event_time = u.old_event_time"), std::string::npos);
    EXPECT_NE(sql.copy_keys.find("COPY \"public\".\"events_keys\""), std::string::npos);
}

TEST(DailyPartitions, DaysNamesAndBounds) {
    EXPECT_EQ(utc_day(0), 0);
    EXPECT_EQ(utc_day(86'400'000'000LL - 1), 0);
    EXPECT_EQ(utc_day(86'400'000'000LL), 1);
    EXPECT_EQ(utc_day(-1), -1);
    const int64_t day = utc_day(1795593600LL * 1'000'000);  // 2026-11-25T08:00:00Z
    EXPECT_EQ(partition_name("events", day), "events_p20261125");
    EXPECT_EQ(day_start_literal(day), "2026-11-25 00:00:00+00");
    EXPECT_EQ(day_start_literal(day + 6), "2026-12-01 00:00:00+00");
}

TEST(LockKey, StableAndDistinct) {
    static_assert(advisory_lock_key("a") == advisory_lock_key("a"));
    EXPECT_NE(advisory_lock_key("p|events|user-events|0"), advisory_lock_key("p|events|user-events|1"));
    EXPECT_EQ(advisory_lock_key(""), static_cast<int64_t>(14695981039346656037ull));
}

class SettingsTest : public ::testing::Test {
   protected:
    void set(const char* key, const char* value) {
        for (auto& entry : entries)
            if (std::string(entry.key) == key) entry.value = value;
    }
    Settings read() {
        raw = {entries.data(), entries.size()};
        return read_settings(sdk::Config(raw), "conn");
    }
    std::vector<ingest_config_entry> entries = [] {
        std::vector<ingest_config_entry> defaults;
        for (const ingest_config_key& key : kConfig.table())
            defaults.push_back({key.name, key.default_value ? key.default_value : "host=x"});
        return defaults;
    }();
    ingest_config raw{};
};

TEST_F(SettingsTest, DefaultsMatchTheDataContract) {
    const Settings settings = read();
    EXPECT_EQ(settings.tables.schema, "public");
    EXPECT_EQ(settings.tables.events, "events");
    EXPECT_EQ(settings.tables.deletions, "events_deletions");
    EXPECT_EQ(settings.tables.offsets, "ingest_offsets");
    EXPECT_EQ(settings.tables.partitioning, Partitioning::None);
    EXPECT_TRUE(settings.auto_create);
    EXPECT_EQ(settings.late_threshold_us, 30'000'000);
    EXPECT_EQ(settings.connection.sslmode, "prefer");
    EXPECT_EQ(settings.connection.application_name, "ingest/conn");
}

TEST_F(SettingsTest, RejectsEmptyAndCollidingNames) {
    set("table", "");
    EXPECT_THROW(read(), sdk::FatalError);
    set("table", "events_deletions");
    EXPECT_THROW(read(), sdk::FatalError);
    set("table", "events");
    set("retry.backoff.max.ms", "10");
    EXPECT_THROW(read(), sdk::FatalError);
}

TEST_F(SettingsTest, ReportsEveryRuleProblemAtOnceBeforeAnythingStarts) {
    set("connection.dsn", "host='unterminated");
    set("schema", "");
    set("table", "ingest_offsets");
    set("retry.backoff.max.ms", "10");
    raw = {entries.data(), entries.size()};
    const sdk::Problems problems = kConfig.validate(sdk::Config(raw));
    ASSERT_EQ(problems.size(), 4u) << sdk::describe_problems(problems);
    EXPECT_EQ(problems[0].key, "schema");
    EXPECT_EQ(problems[0].message, "must not be empty");
    EXPECT_EQ(problems[1].key, "connection.dsn");
    EXPECT_NE(problems[1].message.find("is not a libpq connection string or URI"), std::string::npos);
    EXPECT_EQ(problems[2].message,
              "config keys 'table', 'deletions.table' and 'offsets.table' must name different tables");
    EXPECT_EQ(problems[3].key, "retry.backoff.max.ms");
    EXPECT_EQ(problems[3].message, "must not be below retry.backoff.ms");
}

TEST(ConfigKeys, RequiredDsnIsAPassword) {
    bool found = false;
    for (const ingest_config_key& key : kConfig.table()) {
        if (std::string(key.name) != "connection.dsn") continue;
        found = true;
        EXPECT_EQ(key.type, INGEST_CONFIG_PASSWORD);
        EXPECT_EQ(key.default_value, nullptr);
    }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace ingest::plugins::sink_postgres
