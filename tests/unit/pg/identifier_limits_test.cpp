// Identifiers reach PostgreSQL exactly as configured or not at all: the server would cut one
// longer than 63 bytes without an error, and libpq's quoting would stop at a NUL byte.
#include "shared/pg/identifier.hpp"

#include "offline_connection.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ingest::plugins::shared::pg {
namespace {

using ingest::testing::OfflineConnection;

TEST(IdentifierLimits, AcceptsWhatPostgresKeepsWhole) {
    EXPECT_EQ(identifier_problem("events"), std::nullopt);
    EXPECT_EQ(identifier_problem(std::string(63, 'e')), std::nullopt);
    EXPECT_EQ(identifier_problem("ev\"en; ts"), std::nullopt);        // quoting handles these
    EXPECT_EQ(identifier_problem("\xc3\xa9v\xc3\xa8nements"), std::nullopt);  // UTF-8: bytes count
}

TEST(IdentifierLimits, RefusesEmptyNulAndOverlongNames) {
    EXPECT_EQ(identifier_problem(""), "an SQL identifier cannot be empty");
    EXPECT_EQ(identifier_problem(std::string("events\0; DROP TABLE x", 21)), "an SQL identifier cannot contain a NUL byte");
    EXPECT_EQ(identifier_problem(std::string(64, 'e')),
              "is 64 bytes long; PostgreSQL identifiers hold at most 63 bytes and the server would silently cut it");
    // 32 two-byte characters: 64 bytes, though only 32 characters.
    std::string accented;
    for (int i = 0; i < 32; ++i) accented += "\xc3\xa9";
    EXPECT_NE(identifier_problem(accented), std::nullopt);
}

TEST(IdentifierLimits, QuotingRefusesWhatWouldNotArriveWhole) {
    OfflineConnection offline;
    ASSERT_NE(offline.conn.get(), nullptr);
    EXPECT_EQ(quote_identifier(offline.conn.get(), std::string(63, 'e')), "\"" + std::string(63, 'e') + "\"");
    EXPECT_THROW(quote_identifier(offline.conn.get(), std::string(50 * 1024 * 1024, 'e')), std::invalid_argument);
    try {
        quote_identifier(offline.conn.get(), std::string("events\0evil", 11));
        FAIL() << "a name with a NUL byte was quoted";
    } catch (const std::invalid_argument& error) {
        EXPECT_EQ(std::string(error.what()), "cannot use SQL identifier 'events?evil': an SQL identifier cannot contain a NUL byte");
    }
    EXPECT_THROW(qualified_name(offline.conn.get(), std::string(64, 's'), "events"), std::invalid_argument);
}

}  // namespace
}  // namespace ingest::plugins::shared::pg
