// sink_postgres refuses, when its config is validated, every table or schema name PostgreSQL would
// not keep whole, including the names it derives from `table` for daily partitioning. (A NUL byte
// never reaches a plugin: values cross as C strings, and the runner refuses them first.)
#include "settings.hpp"

#include <gtest/gtest.h>

#include <map>

namespace ingest::plugins::sink_postgres {
namespace {

// The problems of a config: kConfig's defaults with `values` over them.
std::map<std::string, std::string> problems_of(std::map<std::string, std::string> values) {
    std::map<std::string, std::string> config;
    for (const auto& key : kConfig.table())
        if (key.default_value) config[key.name] = key.default_value;
    config["connection.dsn"] = "host=localhost dbname=ingest";
    for (auto& [key, value] : values) config[key] = value;
    const sdk::OwnedConfig owned(config);
    std::map<std::string, std::string> by_key;
    for (const auto& problem : kConfig.validate(owned.config())) by_key[problem.key] += problem.message;
    return by_key;
}

TEST(IdentifierSettings, AcceptsNamesUpTo63Bytes) {
    EXPECT_TRUE(problems_of({{"table", std::string(63, 't')}, {"schema", std::string(63, 's')}}).empty());
    EXPECT_TRUE(problems_of({{"table", "Ev\"ents; DROP TABLE x; --"}, {"schema", "sch\xc3\xa9ma"}}).empty());
}

TEST(IdentifierSettings, RefusesEveryOverlongName) {
    auto problems = problems_of({{"schema", std::string(64, 's')},
                                 {"table", std::string(50 * 1024 * 1024, 't')},
                                 {"deletions.table", std::string(100, 'd')},
                                 {"offsets.table", std::string(64, 'o')}});
    ASSERT_EQ(problems.size(), 4u);
    EXPECT_EQ(problems["table"],
              "is 52428800 bytes long; PostgreSQL identifiers hold at most 63 bytes and the server would silently cut it");
    EXPECT_NE(problems["schema"].find("is 64 bytes long"), std::string::npos);
    EXPECT_NE(problems["deletions.table"].find("is 100 bytes long"), std::string::npos);
    EXPECT_NE(problems["offsets.table"].find("is 64 bytes long"), std::string::npos);
}

TEST(IdentifierSettings, DailyPartitioningLeavesRoomForTheDerivedNames) {
    const std::string table(55, 't');  // fine alone; "<table>_pYYYYMMDD" is 65 bytes
    EXPECT_TRUE(problems_of({{"table", table}}).empty());
    auto problems = problems_of({{"table", table}, {"partitioning", "daily"}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems["table"].find("with partitioning=daily the sink also creates '" + table + "_p19700101' (65 bytes)"),
              std::string::npos)
        << problems["table"];
    EXPECT_TRUE(problems_of({{"table", std::string(53, 't')}, {"partitioning", "daily"}}).empty());
}

}  // namespace
}  // namespace ingest::plugins::sink_postgres
