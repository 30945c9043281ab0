#include "event_value.hpp"
#include "shared/user_events/rfc3339.hpp"
#include "scenario.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::sink_validator {
namespace {

using testing::Event;
using testing::event_id;

const std::string kId = event_id(1);

using shared::user_events::parse_rfc3339_micros;

EventDecoder decoder;

ClassifiedRecord classify(std::optional<std::string_view> key, std::optional<std::string_view> value) {
    return classify_record(decoder, key, value);
}

// The reason code of the problem (the shared decoder's wording is tested with it).
std::string problem_of(std::optional<std::string_view> key, std::optional<std::string_view> value) {
    ClassifiedRecord record = classify(key, value);
    EXPECT_EQ(record.kind, RecordKind::Malformed);
    return record.problem.substr(0, record.problem.find(':'));
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
    const ClassifiedRecord record = classify(kId, event.value());
    ASSERT_EQ(record.kind, RecordKind::Event) << record.problem;
    EXPECT_EQ(format_uuid(record.event_id), kId);
    EXPECT_EQ(record.fields.user_id, "user-1");
    EXPECT_EQ(record.fields.event_type, "page_view");
    EXPECT_EQ(record.fields.event_time_us, parse_rfc3339_micros("2026-11-25T08:00:00.123456Z").micros);
    EXPECT_EQ(record.fields.received_time_us, parse_rfc3339_micros("2026-11-25T08:00:01.5Z").micros);
    EXPECT_FALSE(record.fields.is_valid);
    EXPECT_EQ(record.fields.revision, 7);
}

TEST(EventValue, ReadsATombstone) {
    const ClassifiedRecord record = classify(kId, std::nullopt);
    EXPECT_EQ(record.kind, RecordKind::Tombstone);
    EXPECT_EQ(format_uuid(record.event_id), kId);
    EXPECT_EQ(problem_of("nope", std::nullopt), "key_not_uuid");
    EXPECT_EQ(problem_of(std::nullopt, std::nullopt), "no_key");
}

TEST(EventValue, NamesWhatIsMalformed) {
    EXPECT_EQ(problem_of(kId, "{not json"), "not_json");
    EXPECT_EQ(problem_of(kId, "[1,2]"), "not_object");
    EXPECT_EQ(problem_of(kId, with_member("user_id", "")), "missing_field");
    EXPECT_EQ(problem_of(kId, with_member("user_id", "42")), "wrong_type");
    EXPECT_EQ(problem_of(kId, with_member("event_type", "null")), "wrong_type");
    EXPECT_EQ(problem_of(kId, with_member("user_id", "\"\"")), "empty_text");
    EXPECT_EQ(problem_of(kId, with_member("event_type", "\"\"")), "empty_text");
    EXPECT_EQ(problem_of(kId, with_member("event_time", "\"2026-11-25 08:00\"")),
              "bad_timestamp");
    EXPECT_EQ(problem_of(kId, with_member("received_time", "\"2026-11-25T08:00:00\"")),
              "bad_timestamp");
    EXPECT_EQ(problem_of(kId, with_member("is_valid", "\"true\"")), "wrong_type");
    EXPECT_EQ(problem_of(kId, with_member("revision", "-1")), "revision_out_of_range");
    EXPECT_EQ(problem_of(kId, with_member("revision", "1.5")), "revision_out_of_range");
    EXPECT_EQ(problem_of(kId, with_member("revision", "\"1\"")), "wrong_type");
    EXPECT_EQ(problem_of(kId, with_member("revision", "2147483648")),
              "revision_out_of_range");
    EXPECT_EQ(problem_of(kId, with_member("revision", "18446744073709551615")),
              "revision_out_of_range");
    EXPECT_EQ(problem_of(kId, with_member("revision", "0,\"extra\":1")), "unknown_field");
    EXPECT_EQ(problem_of(event_id(2), with_member("", "")), "key_mismatch");
    EXPECT_EQ(problem_of(std::nullopt, with_member("", "")), "no_key");

    Event bad_id{"not-a-uuid"};
    EXPECT_EQ(problem_of("not-a-uuid", bad_id.value()), "key_not_uuid");
    EXPECT_EQ(problem_of(kId, with_member("", "").replace(13, 36, "not-a-uuid")), "bad_uuid");
}

TEST(EventValue, AcceptsTheLargestRevision) {
    EXPECT_EQ(classify(kId, with_member("revision", "2147483647")).kind, RecordKind::Event);
}

TEST(EventValue, TheProblemNamesTheReasonCodeAndTheDetail) {
    EXPECT_EQ(classify(std::nullopt, std::nullopt).problem,
              "no_key: record has no key (expected the event_id)");
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
