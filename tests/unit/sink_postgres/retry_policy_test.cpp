#include "retry_policy.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::sink_postgres {
namespace {

using std::chrono::milliseconds;

// Which key a unique violation names matters for 23505 only: every other code is classified the
// same whichever is given.
constexpr UniqueKey kEitherKey[] = {UniqueKey::Sinks, UniqueKey::Others};

TEST(ClassifyError, TransientClassesAndCodes) {
    for (UniqueKey key : kEitherKey)
        for (const char* code : {"08000", "08003", "08006", "08001", "08004", "53100", "53200", "53300",
                                 "57P01", "57P02", "57P03", "57014", "40001", "40P01", "40003", "55P03",
                                 "58000", "58030", "25P03"})
            EXPECT_EQ(classify_error(code, false, key), ErrorKind::Transient) << code;
}

// Data errors one record causes: 22 (data exception), 23 (integrity), 54 (program limit, e.g.
// 54000 index row size exceeds btree maximum).
TEST(ClassifyError, RecordRefusedClasses) {
    for (UniqueKey key : kEitherKey)
        for (const char* code : {"22001", "22003", "22008", "22021", "22P02", "22P05", "23502", "23503",
                                 "23514", "23P01", "23000", "54000", "54001"})
            EXPECT_EQ(classify_error(code, false, key), ErrorKind::RecordRefused) << code;
}

// A unique violation on the sink's own keys is another writer racing it (retried); on a user's
// unique constraint or index, the record's values are refused like by a CHECK.
TEST(ClassifyError, AUniqueViolationDependsOnWhoseKeyItIs) {
    EXPECT_EQ(kUniqueViolation, "23505");
    EXPECT_EQ(classify_error("23505", false, UniqueKey::Sinks), ErrorKind::Transient);
    EXPECT_EQ(classify_error("23505", false, UniqueKey::Others), ErrorKind::RecordRefused);
    EXPECT_EQ(classify_error("23505", true, UniqueKey::Others), ErrorKind::RecordRefused)
        << "the server's verdict wins over the connection's state";
}

TEST(ClassifyError, ConfigurationClasses) {
    for (UniqueKey key : kEitherKey)
        for (const char* code : {"42501", "42703", "42P01", "42601", "42804", "28000", "28P01", "3F000"})
            EXPECT_EQ(classify_error(code, false, key), ErrorKind::Configuration) << code;
}

TEST(ClassifyError, PermanentCodes) {
    for (UniqueKey key : kEitherKey)
        for (const char* code : {"3D000", "XX000", "57000", "55000", "40002", "0A000", "P0001", "25001"})
            EXPECT_EQ(classify_error(code, false, key), ErrorKind::Permanent) << code;
}

TEST(ClassifyError, ClientSideErrorsDependOnTheConnection) {
    EXPECT_EQ(classify_error("", true, UniqueKey::Others), ErrorKind::Transient);
    EXPECT_EQ(classify_error("", false, UniqueKey::Others), ErrorKind::Permanent);
    EXPECT_EQ(classify_error("XX000", true, UniqueKey::Others), ErrorKind::Permanent)
        << "a server's verdict wins over the connection's state";
    EXPECT_EQ(classify_error("42501", true, UniqueKey::Others), ErrorKind::Configuration);
}

TEST(BackoffDelay, DoublesUpToTheCapWithHalfJitter) {
    const milliseconds base(100), cap(10'000);
    EXPECT_EQ(backoff_delay(0, base, cap, 0.0), milliseconds(50));
    EXPECT_EQ(backoff_delay(0, base, cap, 0.999999), milliseconds(99));
    EXPECT_EQ(backoff_delay(1, base, cap, 0.0), milliseconds(100));
    EXPECT_EQ(backoff_delay(3, base, cap, 0.5), milliseconds(600));
    EXPECT_EQ(backoff_delay(7, base, cap, 0.0), milliseconds(5'000)) << "12.8 s capped to 10 s";
    EXPECT_EQ(backoff_delay(7, base, cap, 1.0), milliseconds(10'000));
}

TEST(BackoffDelay, LargeAttemptsAndBasesSaturate) {
    EXPECT_EQ(backoff_delay(1000, milliseconds(100), milliseconds(10'000), 0.0), milliseconds(5'000));
    EXPECT_EQ(backoff_delay(62, milliseconds(1LL << 40), milliseconds(30'000), 0.0),
              milliseconds(15'000));
    EXPECT_EQ(backoff_delay(-3, milliseconds(100), milliseconds(10'000), 0.0), milliseconds(50));
}

}  // namespace
}  // namespace ingest::plugins::sink_postgres
