#include "shared/pg/binary_copy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ingest::plugins::shared::pg {
namespace {

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out.push_back(static_cast<char>(v));
    return out;
}

TEST(BinaryCopy, CopyHeaderAndTrailer) {
    std::string out;
    copy_binary_header(out);
    EXPECT_EQ(out, std::string("PGCOPY\n\xff\r\n\0", 11) + bytes({0, 0, 0, 0, 0, 0, 0, 0}));
    out.clear();
    copy_binary_trailer(out);
    EXPECT_EQ(out, bytes({0xff, 0xff}));
}

TEST(BinaryCopy, FieldsAreLengthPrefixedBigEndian) {
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

TEST(BinaryCopy, TimestampsCountFrom2000) {
    std::string out;
    BinaryWriter writer(out);
    writer.timestamptz(946'684'800'000'000LL + 1);  // 2000-01-01T00:00:00.000001Z
    EXPECT_EQ(out, bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1}));
}

TEST(BinaryCopy, ArrayHeaderThenElements) {
    std::string out = "stale";
    BinaryArray array(out, pg_oid::kInt4, 2);
    array.writer().int4(7);
    array.writer().int4(8);
    EXPECT_EQ(out, bytes({0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1,  //
                          0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0, 8}));
}

// What the writer writes, the reader reads back: one row of every type the sink's tables use.
TEST(BinaryCopy, WriterAndReaderRoundTrip) {
    const Uuid id = *user_events::parse_uuid("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    std::string stream;
    copy_binary_header(stream);
    BinaryWriter row(stream);
    copy_binary_row_start(row, 7);
    row.uuid(id);
    row.text("user-1");
    row.timestamptz(-1);
    row.boolean(true);
    row.int4(-7);
    row.int8(1LL << 40);
    row.null_value();
    copy_binary_trailer(stream);

    int tuples = 0;
    CopyBinaryReader reader;
    for (size_t at = 0; at < stream.size(); at += 5)
        reader.feed(std::string_view(stream).substr(at, 5), [&](std::span<const CopyField> fields) {
            ++tuples;
            ASSERT_EQ(fields.size(), 7u);
            EXPECT_EQ(copy_uuid(fields, 0, "id"), id);
            EXPECT_EQ(copy_field(fields, 1, "text"), "user-1");
            EXPECT_EQ(copy_timestamptz(fields, 2, "time"), -1);
            EXPECT_TRUE(copy_bool(fields, 3, "flag"));
            EXPECT_EQ(copy_int4(fields, 4, "int4"), -7);
            EXPECT_EQ(copy_int8(fields, 5, "int8"), 1LL << 40);
            EXPECT_FALSE(fields[6].has_value());
            EXPECT_THROW(copy_field(fields, 6, "null"), CopyFormatError);
            EXPECT_THROW(copy_int8(fields, 4, "int4 as int8"), CopyFormatError);
            EXPECT_THROW(copy_field(fields, 7, "past the end"), CopyFormatError);
        });
    EXPECT_EQ(tuples, 1);
    EXPECT_TRUE(reader.finished());
    EXPECT_THROW(reader.feed("x", [](std::span<const CopyField>) {}), CopyFormatError);
}

TEST(BinaryCopy, ReaderRejectsWhatIsNotBinaryCopy) {
    CopyBinaryReader reader;
    EXPECT_THROW(reader.feed(std::string(19, 'x'), [](std::span<const CopyField>) {}), CopyFormatError);
}

}  // namespace
}  // namespace ingest::plugins::shared::pg
