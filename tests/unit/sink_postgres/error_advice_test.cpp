// What the sink tells an operator for each kind of configuration error: the step and its table,
// the privilege or object, and what to do; every name quoted as SQL would need it.
#include "error_advice.hpp"

#include "offline_connection.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::sink_postgres {
namespace {

using ingest::testing::OfflineConnection;
using shared::pg::Partitioning;
using shared::pg::QuotedTables;
using shared::pg::TableNames;

class ErrorAdvice : public ::testing::Test {
   protected:
    OfflineConnection offline;
    QuotedTables plain{offline.conn.get(), TableNames{"app", "events", "gone", "offs", Partitioning::None}};
    QuotedTables daily{offline.conn.get(), TableNames{"app", "events", "gone", "offs", Partitioning::Daily}};
};

TEST_F(ErrorAdvice, DescribesTheStepWithItsTableAndPrivilege) {
    EXPECT_EQ(describe_step(WriteStep::InsertingRows, plain), "inserting new rows into \"app\".\"events\" (needs INSERT)");
    EXPECT_EQ(describe_step(WriteStep::SavingOffsets, plain), "storing offsets in \"app\".\"offs\" (needs INSERT and UPDATE)");
    EXPECT_EQ(describe_step(WriteStep::LookingUp, daily), "looking up prior versions in \"app\".\"events_keys\" (needs SELECT)");
    EXPECT_EQ(describe_step(WriteStep::Preparing, plain), "preparing the sink's statements on its tables");
}

TEST_F(ErrorAdvice, AMissingPrivilegeNamesItAndTheGrantsTheSinkNeeds) {
    const std::string advice = configuration_advice("42501", WriteStep::RecordingDeletions, daily, "\"w\"");
    EXPECT_NE(advice.find("The role \"w\" lacks a privilege: INSERT on \"app\".\"gone\"."), std::string::npos) << advice;
    EXPECT_NE(advice.find("GRANT USAGE ON SCHEMA \"app\" TO \"w\"; GRANT SELECT, INSERT, UPDATE, DELETE ON "
                          "\"app\".\"events\", \"app\".\"gone\", \"app\".\"offs\", \"app\".\"events_keys\" TO \"w\";"),
              std::string::npos)
        << advice;
    EXPECT_NE(advice.find("partitioning=daily also needs CREATE on schema \"app\""), std::string::npos) << advice;
    const std::string creating = configuration_advice("42501", WriteStep::CreatingTables, plain, "\"w\"");
    EXPECT_NE(creating.find("auto.create needs CREATE on schema \"app\""), std::string::npos) << creating;
    EXPECT_EQ(creating.find("events_keys"), std::string::npos) << creating;
}

TEST_F(ErrorAdvice, AMissingTableSchemaOrColumnSaysHowToGetItBack) {
    const std::string table = configuration_advice("42P01", WriteStep::RecordingDeletions, plain, "\"w\"");
    EXPECT_NE(table.find("A table of the sink is missing (\"app\".\"gone\")"), std::string::npos) << table;
    EXPECT_NE(table.find("auto.create=true"), std::string::npos) << table;
    const std::string schema = configuration_advice("3F000", WriteStep::Preparing, plain, "\"w\"");
    EXPECT_NE(schema.find("The schema \"app\" does not exist"), std::string::npos) << schema;
    const std::string column = configuration_advice("42703", WriteStep::SavingOffsets, plain, "\"w\"");
    EXPECT_NE(column.find("The table \"app\".\"offs\" does not have the layout the sink writes: \"app\".\"offs\" "
                          "(connector text, topic text, kafka_partition integer, next_offset bigint, updated_at "
                          "timestamptz, epoch bigint)"),
              std::string::npos)
        << column;
}

TEST_F(ErrorAdvice, RefusedCredentialsPointAtTheDsn) {
    const std::string advice = configuration_advice("28P01", WriteStep::Connecting, plain, "\"w\"");
    EXPECT_NE(advice.find("PostgreSQL refused the role \"w\""), std::string::npos) << advice;
    EXPECT_NE(advice.find("connection.dsn"), std::string::npos) << advice;
}

// A statement_timeout shorter than a batch needs cancels every retry alike: the task fails saying
// how to give a batch more time or make it smaller.
TEST(RetriesExhaustedAdvice, AStatementTimeoutSaysHowToRaiseItOrShrinkTheBatch) {
    const std::string advice = retries_exhausted_advice("57014", "\"w\"", "\"ingest db\"");
    EXPECT_NE(advice.find("57014: statement_timeout"), std::string::npos) << advice;
    EXPECT_NE(advice.find("ALTER ROLE \"w\" SET statement_timeout = '5min'"), std::string::npos) << advice;
    EXPECT_NE(advice.find("ALTER DATABASE \"ingest db\" SET statement_timeout = '5min'"), std::string::npos)
        << advice;
    EXPECT_NE(advice.find("lower the connector's batch.max.records"), std::string::npos) << advice;
    EXPECT_NE(advice.find("options=-c statement_timeout"), std::string::npos) << advice;
    const std::string unknown = retries_exhausted_advice("57014", "\"w\"", "");
    EXPECT_NE(unknown.find("ALTER DATABASE <the database> SET"), std::string::npos) << unknown;
}

TEST(RetriesExhaustedAdvice, OtherTransientErrorsSayNothingMore) {
    for (const char* code : {"08006", "40001", "40P01", "53100", "55P03", "57P01", "23505", ""})
        EXPECT_EQ(retries_exhausted_advice(code, "\"w\"", "\"d\""), "") << code;
}

}  // namespace
}  // namespace ingest::plugins::sink_postgres
