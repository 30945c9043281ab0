#include "uuid.hpp"

#include <gtest/gtest.h>

namespace ingest::sink_postgres {
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

}  // namespace
}  // namespace ingest::sink_postgres
