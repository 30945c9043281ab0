// Identifier quoting, connection parameters and the declaration of the sink's tables: the parts
// of shared/pg that need no server.
#include "shared/pg/connection_params.hpp"
#include "shared/pg/identifier.hpp"
#include "shared/pg/sink_tables.hpp"

#include "offline_connection.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

namespace ingest::plugins::shared::pg {
namespace {

using ingest::testing::OfflineConnection;

TEST(QuoteIdentifier, QuotesAndEscapes) {
    OfflineConnection offline;
    ASSERT_NE(offline.conn.get(), nullptr);
    EXPECT_EQ(quote_identifier(offline.conn.get(), "events"), "\"events\"");
    EXPECT_EQ(quote_identifier(offline.conn.get(), "My Table"), "\"My Table\"");
    EXPECT_EQ(quote_identifier(offline.conn.get(), "a\"b"), "\"a\"\"b\"");
    EXPECT_EQ(quote_identifier(offline.conn.get(), "x\"; DROP TABLE t; --"),
              "\"x\"\"; DROP TABLE t; --\"");
    EXPECT_EQ(qualified_name(offline.conn.get(), "public", "events"), "\"public\".\"events\"");
}

TEST(QuoteIdentifier, FailsWithoutAConnection) {
    EXPECT_THROW(quote_identifier(nullptr, "events"), std::invalid_argument);
}

TEST(MaskedDsn, HidesThePassword) {
    EXPECT_EQ(masked_dsn("host=db port=5432 user=app password=s3cret dbname=ingest"),
              "user=app password=**** dbname=ingest host=db port=5432");
    const std::string uri = masked_dsn("postgresql://app:s3cret@db:5432/ingest?sslmode=require");
    EXPECT_EQ(uri.find("s3cret"), std::string::npos);
    EXPECT_NE(uri.find("password=****"), std::string::npos);
    EXPECT_NE(uri.find("sslmode=require"), std::string::npos);
}

TEST(MaskedDsn, UnparsableDsnIsNotEchoed) {
    const std::string masked = masked_dsn("host=db passwords3cret");
    EXPECT_EQ(masked.find("s3cret"), std::string::npos) << masked;
    EXPECT_TRUE(masked.starts_with("<unparsable DSN:")) << masked;
}

TEST(ConnectParams, TheDsnComesLastSoItWins) {
    ConnectionSettings settings{"host=db sslmode=require", "prefer", "ingest/x", 7};
    std::string storage;
    const ConnectParams params = connect_params(settings, storage);
    ASSERT_EQ(params.keywords.size(), params.values.size());
    EXPECT_STREQ(params.keywords[params.keywords.size() - 2], "dbname");
    EXPECT_STREQ(params.values[params.values.size() - 2], "host=db sslmode=require");
    EXPECT_EQ(params.keywords.back(), nullptr);
    EXPECT_STREQ(params.values[2], "7");
}

TEST(SinkTables, DdlDeclaresEveryColumnOnce) {
    OfflineConnection offline;
    TableNames names;
    const QuotedTables tables(offline.conn.get(), names);
    EXPECT_EQ(events_table_ddl(tables),
              "CREATE TABLE \"public\".\"events\" (event_id uuid NOT NULL, user_id text NOT NULL,"
              " event_type text NOT NULL, event_time timestamptz NOT NULL, received_time timestamptz"
              " NOT NULL, is_valid boolean NOT NULL, revision integer NOT NULL, kafka_partition"
              " integer NOT NULL, kafka_offset bigint NOT NULL, ingested_at timestamptz NOT NULL"
              " DEFAULT now(), PRIMARY KEY (event_id)); CREATE INDEX ON \"public\".\"events\""
              " (event_time); CREATE INDEX ON \"public\".\"events\" (user_id)");
    EXPECT_EQ(deletions_table_ddl(tables),
              "CREATE TABLE \"public\".\"events_deletions\" (event_id uuid NOT NULL,"
              " kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, deleted_at"
              " timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (event_id))");
    EXPECT_EQ(offsets_table_ddl(tables),
              "CREATE TABLE \"public\".\"ingest_offsets\" (connector text NOT NULL, topic text"
              " NOT NULL, kafka_partition integer NOT NULL, next_offset bigint NOT NULL, updated_at"
              " timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (connector, topic, kafka_partition))");
    names.partitioning = Partitioning::Daily;
    const QuotedTables daily(offline.conn.get(), names);
    EXPECT_NE(events_table_ddl(daily).find("PRIMARY KEY (event_id, event_time)) PARTITION BY RANGE"
                                           " (event_time)"),
              std::string::npos);
    EXPECT_EQ(keys_table_ddl(daily),
              "CREATE TABLE \"public\".\"events_keys\" (event_id uuid NOT NULL, event_time"
              " timestamptz NOT NULL, revision integer NOT NULL, PRIMARY KEY (event_id))");
}

TEST(SinkTables, ColumnListsFollowTheDeclaredOrder) {
    EXPECT_EQ(column_list(kEventsColumns, kEventsWrittenColumns),
              "event_id, user_id, event_type, event_time, received_time, is_valid, revision, "
              "kafka_partition, kafka_offset");
    EXPECT_EQ(column_list(kKeysColumns), "event_id, event_time, revision");
    EXPECT_EQ(cast_column_list(kDeletionsColumns, 1), "event_id::uuid");
    EXPECT_EQ(kEventsColumns[kKafkaOffset].name, "kafka_offset");
}

}  // namespace
}  // namespace ingest::plugins::shared::pg
