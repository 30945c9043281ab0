#include "shared/user_events/uuid.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::shared::user_events {
namespace {

TEST(Uuid, ParsesCanonicalTextInEitherCase) {
    const auto lower = parse_uuid("0f8fad5b-d9cb-469f-a165-70867728950e");
    const auto upper = parse_uuid("0F8FAD5B-D9CB-469F-A165-70867728950E");
    ASSERT_TRUE(lower);
    ASSERT_TRUE(upper);
    EXPECT_EQ(*lower, *upper);
    EXPECT_EQ(lower->bytes[0], 0x0f);
    EXPECT_EQ(lower->bytes[15], 0x0e);
    EXPECT_EQ(format_uuid(*upper), "0f8fad5b-d9cb-469f-a165-70867728950e");
}

TEST(Uuid, RejectsOtherForms) {
    EXPECT_FALSE(parse_uuid(""));
    EXPECT_FALSE(parse_uuid("0f8fad5bd9cb469fa16570867728950e"));        // no dashes
    EXPECT_FALSE(parse_uuid("{0f8fad5b-d9cb-469f-a165-70867728950e}"));  // braces
    EXPECT_FALSE(parse_uuid("0f8fad5b-d9cb-469f-a165-70867728950"));     // short
    EXPECT_FALSE(parse_uuid("0f8fad5b-d9cb-469f-a165-70867728950e0"));   // long
    EXPECT_FALSE(parse_uuid("0f8fad5b-d9cb-469f-a165-70867728950g"));    // not hex
    EXPECT_FALSE(parse_uuid("0f8fad5bd-9cb-469f-a165-70867728950e"));    // dash misplaced
}

TEST(Uuid, FormatsLowerCaseAndRoundTrips) {
    const auto id = parse_uuid("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9");
    ASSERT_TRUE(id);
    EXPECT_EQ(format_uuid(*id), "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    EXPECT_EQ(parse_uuid(format_uuid(*id)), id);
    char buffer[kUuidTextSize + 1] = {};
    EXPECT_EQ(write_uuid(buffer, *id), buffer + kUuidTextSize);
    EXPECT_STREQ(buffer, "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    EXPECT_FALSE(parse_uuid("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8fg"));
    EXPECT_FALSE(parse_uuid("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f "));
}

TEST(Uuid, FromBytesAndHalves) {
    const unsigned char bytes[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                     0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
    EXPECT_EQ(format_uuid(uuid_from_bytes(bytes)), "01234567-89ab-cdef-fedc-ba9876543210");
    EXPECT_EQ(uuid_from_halves(0x0123456789abcdefULL, 0xfedcba9876543210ULL), uuid_from_bytes(bytes));
    UuidHash hash;
    EXPECT_EQ(hash(uuid_from_bytes(bytes)), hash(*parse_uuid("01234567-89AB-CDEF-FEDC-BA9876543210")));
}

}  // namespace
}  // namespace ingest::plugins::shared::user_events
