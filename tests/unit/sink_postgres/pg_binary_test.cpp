#include "pg_binary.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ingest::sink_postgres {
namespace {

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out.push_back(static_cast<char>(v));
    return out;
}

TEST(PgBinary, CopyHeaderAndTrailer) {
    std::string out;
    copy_binary_header(out);
    EXPECT_EQ(out, std::string("PGCOPY\n\xff\r\n\0", 11) + bytes({0, 0, 0, 0, 0, 0, 0, 0}));
    out.clear();
    copy_binary_trailer(out);
    EXPECT_EQ(out, bytes({0xff, 0xff}));
}

TEST(PgBinary, FieldsAreLengthPrefixedBigEndian) {
    std::string out;
    BinaryWriter writer(out);
    writer.int4(0x01020304);
    EXPECT_EQ(out, bytes({0, 0, 0, 4, 1, 2, 3, 4}));
    out.clear();
    writer.int8(-2);
    EXPECT_EQ(out, bytes({0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}));
    out.clear();
    writer.boolean(true);
    EXPECT_EQ(out, bytes({0, 0, 0, 1, 1}));
    out.clear();
    writer.text("ab");
    EXPECT_EQ(out, bytes({0, 0, 0, 2, 'a', 'b'}));
    out.clear();
    writer.null_value();
    EXPECT_EQ(out, bytes({0xff, 0xff, 0xff, 0xff}));
    out.clear();
    Uuid uuid;
    uuid.bytes[0] = 0xab;
    writer.uuid(uuid);
    EXPECT_EQ(out.size(), 20u);
    EXPECT_EQ(out.substr(0, 5), bytes({0, 0, 0, 16, 0xab}));
}

TEST(PgBinary, TimestampsCountFrom2000) {
    std::string out;
    BinaryWriter writer(out);
    writer.timestamptz(946'684'800'000'000LL + 1);  // 2000-01-01T00:00:00.000001Z
    EXPECT_EQ(out, bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1}));
}

TEST(PgBinary, ArrayHeaderThenElements) {
    std::string out = "stale";
    BinaryArray array(out, pg_oid::kInt4, 2);
    array.writer().int4(7);
    array.writer().int4(8);
    EXPECT_EQ(out, bytes({0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1,  //
                          0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0, 8}));
}

}  // namespace
}  // namespace ingest::sink_postgres
