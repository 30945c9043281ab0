#include "shared/user_events/rfc3339.hpp"
#include "table_rows.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::sink_validator {
namespace {

using shared::pg::CopyBinaryReader;
using shared::user_events::parse_rfc3339_micros;

// Written out by hand rather than with the shared writer, so that the reading is checked against
// PostgreSQL's documented format and not against itself.
constexpr int64_t kPostgresEpochMicros = 946'684'800LL * 1'000'000LL;

template <typename Integer>
std::string big_endian(Integer value) {
    std::string bytes(sizeof(Integer), '\0');
    auto bits = static_cast<std::make_unsigned_t<Integer>>(value);
    for (size_t i = sizeof(Integer); i-- > 0;) {
        bytes[i] = static_cast<char>(bits & 0xFF);
        bits = static_cast<decltype(bits)>(bits >> 8);
    }
    return bytes;
}

std::string field(const std::string& bytes) { return big_endian<int32_t>(static_cast<int32_t>(bytes.size())) + bytes; }

std::string header() { return std::string("PGCOPY\n\377\r\n\0", 11) + big_endian<int32_t>(0) + big_endian<int32_t>(0); }

std::string event_tuple(const std::string& uuid_bytes, int64_t event_time_us) {
    std::string tuple = big_endian<int16_t>(9);
    tuple += field(uuid_bytes);
    tuple += field("user-1");
    tuple += field("click");
    tuple += field(big_endian<int64_t>(event_time_us - kPostgresEpochMicros));
    tuple += field(big_endian<int64_t>(event_time_us + 1 - kPostgresEpochMicros));
    tuple += field(std::string(1, '\1'));
    tuple += field(big_endian<int32_t>(3));
    tuple += field(big_endian<int32_t>(5));
    tuple += field(big_endian<int64_t>(123456789));
    return tuple;
}

TEST(TableRows, DecodesEventRowsFedByteByByte) {
    const std::string uuid_bytes("\x0a\x1b\x2c\x3d\x4e\x5f\x60\x71\x82\x93\xa4\xb5\xc6\xd7\xe8\xf9", 16);
    const int64_t event_time = parse_rfc3339_micros("2026-11-25T08:00:00.123456Z").micros;
    const std::string stream =
        header() + event_tuple(uuid_bytes, event_time) + event_tuple(uuid_bytes, 0) + big_endian<int16_t>(-1);

    std::vector<TableRow> rows;
    CopyBinaryReader parser;
    for (char byte : stream)
        parser.feed(std::string_view(&byte, 1),
                    [&](std::span<const CopyField> fields) { rows.push_back(decode_event_row(fields)); });
    EXPECT_TRUE(parser.finished());
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(format_uuid(rows[0].event_id), "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    EXPECT_EQ(rows[0].fields.user_id, "user-1");
    EXPECT_EQ(rows[0].fields.event_type, "click");
    EXPECT_EQ(rows[0].fields.event_time_us, event_time);
    EXPECT_EQ(rows[0].fields.received_time_us, event_time + 1);
    EXPECT_TRUE(rows[0].fields.is_valid);
    EXPECT_EQ(rows[0].fields.revision, 3);
    EXPECT_EQ(rows[0].partition, 5);
    EXPECT_EQ(rows[0].offset, 123456789);
    EXPECT_EQ(rows[1].fields.event_time_us, 0);
}

TEST(TableRows, SelectsTheWrittenColumnsInTheirDeclaredTypes) {
    EXPECT_EQ(events_select_list(),
              "event_id::uuid, user_id::text, event_type::text, event_time::timestamptz, "
              "received_time::timestamptz, is_valid::boolean, revision::integer, "
              "kafka_partition::integer, kafka_offset::bigint");
}

TEST(TableRows, RejectsNullsAndWrongShapes) {
    std::string tuple = big_endian<int16_t>(1) + big_endian<int32_t>(-1);
    CopyBinaryReader parser;
    EXPECT_THROW(parser.feed(header() + tuple, [](std::span<const CopyField> fields) { decode_uuid_row(fields); }),
                 CopyFormatError);
    CopyBinaryReader other;
    EXPECT_THROW(other.feed(std::string(19, 'x'), [](std::span<const CopyField>) {}), CopyFormatError);
    CopyBinaryReader short_uuid;
    EXPECT_THROW(short_uuid.feed(header() + big_endian<int16_t>(1) + field("abc"),
                                 [](std::span<const CopyField> fields) { decode_uuid_row(fields); }),
                 CopyFormatError);
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
