#include "core/event_value.hpp"
#include "core/rfc3339.hpp"
#include "scenario.hpp"

#include <gtest/gtest.h>

namespace ingest::validator {
namespace {

using testing::Event;
using testing::event_id;

const std::string kId = event_id(1);

std::string problem_of(std::optional<std::string_view> key, std::optional<std::string_view> value) {
    ClassifiedRecord record = classify_record(key, value);
    EXPECT_EQ(record.kind, RecordKind::Malformed);
    return record.problem;
}

// The contract's value with one member replaced (or removed when `raw` is empty).
std::string with_member(const std::string& name, const std::string& raw) {
    std::string value = "{\"event_id\":\"" + kId + "\"";
    const std::pair<std::string, std::string> members[] = {
        {"user_id", "\"user-1\""},
        {"event_type", "\"click\""},
        {"event_time", "\"2026-11-25T08:00:00Z\""},
        {"received_time", "\"2026-11-25T08:00:01Z\""},
        {"is_valid", "true"},
        {"revision", "0"}};
    for (const auto& [member, default_raw] : members) {
        const std::string& chosen = member == name ? raw : default_raw;
        if (!chosen.empty()) value += ",\"" + member + "\":" + chosen;
    }
    return value + "}";
}

TEST(EventValue, ReadsAValidEvent) {
    Event event{kId};
    event.revision = 7;
    event.is_valid = false;
    const ClassifiedRecord record = classify_record(kId, event.value());
    ASSERT_EQ(record.kind, RecordKind::Event) << record.problem;
    EXPECT_EQ(format_uuid(record.event_id), kId);
    EXPECT_EQ(record.fields.user_id, "user-1");
    EXPECT_EQ(record.fields.event_type, "page_view");
    EXPECT_EQ(record.fields.event_time_us, *parse_rfc3339_micros("2026-11-25T08:00:00.123456Z"));
    EXPECT_EQ(record.fields.received_time_us, *parse_rfc3339_micros("2026-11-25T08:00:01.5Z"));
    EXPECT_FALSE(record.fields.is_valid);
    EXPECT_EQ(record.fields.revision, 7);
}

TEST(EventValue, ReadsATombstone) {
    const ClassifiedRecord record = classify_record(kId, std::nullopt);
    EXPECT_EQ(record.kind, RecordKind::Tombstone);
    EXPECT_EQ(format_uuid(record.event_id), kId);
    EXPECT_EQ(problem_of("nope", std::nullopt), "tombstone key is not a UUID");
    EXPECT_EQ(problem_of(std::nullopt, std::nullopt), "record has no key");
}

TEST(EventValue, NamesWhatIsMalformed) {
    EXPECT_EQ(problem_of(kId, "{not json").rfind("value is not JSON", 0), 0u);
    EXPECT_EQ(problem_of(kId, "[1,2]"), "value is not a JSON object");
    EXPECT_EQ(problem_of(kId, with_member("user_id", "")), "missing field 'user_id'");
    EXPECT_EQ(problem_of(kId, with_member("user_id", "42")), "user_id is not a string");
    EXPECT_EQ(problem_of(kId, with_member("event_type", "null")), "event_type is not a string");
    EXPECT_EQ(problem_of(kId, with_member("user_id", "\"\"")), "user_id is empty");
    EXPECT_EQ(problem_of(kId, with_member("event_type", "\"\"")), "event_type is empty");
    EXPECT_EQ(problem_of(kId, with_member("event_time", "\"2026-11-25 08:00\"")),
              "event_time is not an RFC 3339 timestamp");
    EXPECT_EQ(problem_of(kId, with_member("received_time", "\"2026-11-25T08:00:00\"")),
              "received_time is not an RFC 3339 timestamp");
    EXPECT_EQ(problem_of(kId, with_member("is_valid", "\"true\"")), "is_valid is not a boolean");
    EXPECT_EQ(problem_of(kId, with_member("revision", "-1")), "revision is negative");
    EXPECT_EQ(problem_of(kId, with_member("revision", "1.5")), "revision is not an integer");
    EXPECT_EQ(problem_of(kId, with_member("revision", "\"1\"")), "revision is not an integer");
    EXPECT_EQ(problem_of(kId, with_member("revision", "2147483648")),
              "revision does not fit a 32-bit integer");
    EXPECT_EQ(problem_of(kId, with_member("revision", "18446744073709551615")),
              "revision does not fit a 32-bit integer");
    EXPECT_EQ(problem_of(kId, with_member("revision", "0,\"extra\":1")), "unexpected field 'extra'");
    EXPECT_EQ(problem_of(event_id(2), with_member("", "")), "key differs from event_id");
    EXPECT_EQ(problem_of(std::nullopt, with_member("", "")), "record has no key");

    Event bad_id{"not-a-uuid"};
    EXPECT_EQ(problem_of("not-a-uuid", bad_id.value()), "event_id is not a UUID");
}

TEST(EventValue, AcceptsTheLargestRevision) {
    EXPECT_EQ(classify_record(kId, with_member("revision", "2147483647")).kind, RecordKind::Event);
}

TEST(Uuid, ParsesAndFormatsTheCanonicalForm) {
    auto id = parse_uuid("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9");
    ASSERT_TRUE(id);
    EXPECT_EQ(format_uuid(*id), "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
    EXPECT_FALSE(parse_uuid("0a1b2c3d4e5f60718293a4b5c6d7e8f9"));
    EXPECT_FALSE(parse_uuid("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8fg"));
    EXPECT_FALSE(parse_uuid("{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f}"));
}

}  // namespace
}  // namespace ingest::validator
