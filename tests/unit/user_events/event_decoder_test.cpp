#include "shared/user_events/event_decoder.hpp"
#include "shared/user_events/rfc3339.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace ingest::plugins::shared::user_events {
namespace {

constexpr const char* kId = "0f8fad5b-d9cb-469f-a165-70867728950e";

std::string event_json(const std::string& event_time = "2026-11-25T08:00:00.123456Z",
                       const std::string& received_time = "2026-11-25T08:00:01.5Z") {
    return std::string(R"({"event_id":")") + kId +
           R"(","user_id":"user-123","event_type":"page_view","event_time":")" + event_time +
           R"(","received_time":")" + received_time + R"(","is_valid":true,"revision":0})";
}

class DecoderTest : public ::testing::Test {
   protected:
    // Decodes and returns the malformed record's detail ("" when the record is well-formed).
    std::string reason_for(std::optional<std::string_view> key, std::optional<std::string_view> value) {
        const Verdict& verdict = decoder.decode(key, value);
        return verdict.kind == RecordKind::Malformed ? verdict.detail : "";
    }
    std::string reason_for_value(const std::string& value) { return reason_for(kId, value); }
    // The reason code, or the kind's name when the record is not malformed.
    std::string code_for(std::optional<std::string_view> key, std::optional<std::string_view> value) {
        const Verdict& verdict = decoder.decode(key, value);
        return std::string(verdict.kind == RecordKind::Malformed ? reason_code(verdict.reason)
                                                                 : record_kind_name(verdict.kind));
    }
    std::string code_for_value(const std::string& value) { return code_for(kId, value); }
    const Verdict& decode(std::optional<std::string_view> key, std::optional<std::string_view> value) {
        return decoder.decode(key, value);
    }

    EventDecoder decoder;
};

TEST_F(DecoderTest, DecodesAWellFormedEvent) {
    const Verdict& verdict = decode(kId, event_json());
    ASSERT_EQ(verdict.kind, RecordKind::Event) << verdict.message();
    EXPECT_EQ(format_uuid(verdict.event_id), kId);
    EXPECT_EQ(verdict.event.user_id, "user-123");
    EXPECT_EQ(verdict.event.event_type, "page_view");
    EXPECT_EQ(verdict.event.event_time_us, 1795593600LL * 1'000'000 + 123456);
    EXPECT_EQ(verdict.event.received_time_us, 1795593601LL * 1'000'000 + 500000);
    EXPECT_TRUE(verdict.event.is_valid);
    EXPECT_EQ(verdict.event.revision, 0);
}

TEST_F(DecoderTest, FieldOrderAndEscapesDoNotMatter) {
    const std::string value = std::string(R"({"revision":7,"is_valid":false,"event_type":"cl\u0069ck",)") +
                              R"("user_id":"user \"q\" \u00e9","received_time":"2026-11-25T09:00:00+01:00",)" +
                              R"("event_time":"2026-11-25T08:00:00Z","event_id":")" + kId + R"("})";
    const Verdict& verdict = decode(kId, value);
    ASSERT_EQ(verdict.kind, RecordKind::Event) << verdict.message();
    EXPECT_EQ(verdict.event.event_type, "click");
    EXPECT_EQ(verdict.event.user_id, "user \"q\" \xc3\xa9");
    EXPECT_EQ(verdict.event.revision, 7);
    EXPECT_FALSE(verdict.event.is_valid);
    EXPECT_EQ(verdict.event.received_time_us, verdict.event.event_time_us) << "zones applied";
}

TEST_F(DecoderTest, TombstoneNeedsOnlyAUuidKey) {
    const Verdict& verdict = decode(kId, std::nullopt);
    ASSERT_EQ(verdict.kind, RecordKind::Tombstone);
    EXPECT_EQ(format_uuid(verdict.event_id), kId);
    EXPECT_EQ(code_for("not-a-uuid", std::nullopt), "key_not_uuid");
    EXPECT_EQ(code_for(std::nullopt, std::nullopt), "no_key");
    EXPECT_EQ(reason_for("not-a-uuid", std::nullopt), "key is not a UUID: 'not-a-uuid'");
    EXPECT_EQ(reason_for(std::nullopt, std::nullopt), "record has no key (expected the event_id)");
}

TEST_F(DecoderTest, RejectsKeyProblems) {
    EXPECT_EQ(reason_for(std::nullopt, event_json()), "record has no key (expected the event_id)");
    EXPECT_EQ(reason_for("abc", event_json()), "key is not a UUID: 'abc'");
    EXPECT_EQ(reason_for("11111111-2222-3333-4444-555555555555", event_json()),
              "key '11111111-2222-3333-4444-555555555555' does not match event_id "
              "'0f8fad5b-d9cb-469f-a165-70867728950e'");
    // The same UUID spelled differently is still a different Kafka key (another partition).
    EXPECT_EQ(reason_for("0F8FAD5B-D9CB-469F-A165-70867728950E", event_json()),
              "key '0F8FAD5B-D9CB-469F-A165-70867728950E' does not match event_id "
              "'0f8fad5b-d9cb-469f-a165-70867728950e'");
}

TEST_F(DecoderTest, RejectsWhatIsNotAJsonObject) {
    EXPECT_EQ(reason_for_value("{\"event_id\":"), "value is not valid JSON: " +
                                                      std::string(simdjson::error_message(simdjson::TAPE_ERROR)));
    EXPECT_NE(reason_for_value("not json").find("value is not valid JSON"), std::string::npos);
    EXPECT_NE(reason_for_value(event_json() + " trailing").find("value is not valid JSON"),
              std::string::npos);
    EXPECT_NE(reason_for_value("").find("value is not valid JSON"), std::string::npos);
    EXPECT_EQ(reason_for_value("[1,2]"), "value must be a JSON object, got array");
    EXPECT_EQ(reason_for_value("42"), "value must be a JSON object, got number");
    EXPECT_NE(reason_for_value("{\"user_id\":\"\xff\xfe\"}").find("value is not valid JSON"),
              std::string::npos) << "invalid UTF-8";
}

TEST_F(DecoderTest, RejectsMissingUnknownAndDuplicateFields) {
    EXPECT_EQ(reason_for_value("{}"),
              "missing field(s): event_id, user_id, event_type, event_time, received_time, "
              "is_valid, revision");
    std::string without_revision = event_json();
    without_revision.replace(without_revision.find(",\"revision\":0"), 13, "");
    EXPECT_EQ(reason_for_value(without_revision), "missing field(s): revision");

    std::string extra = event_json();
    extra.insert(1, "\"colour\":\"red\",");
    EXPECT_EQ(reason_for_value(extra), "unknown field 'colour'");

    std::string twice = event_json();
    twice.insert(1, "\"revision\":1,");
    EXPECT_EQ(reason_for_value(twice), "duplicate field 'revision'");
}

TEST_F(DecoderTest, RejectsWrongTypes) {
    auto with = [](std::string field, std::string json_value) {
        std::string value = event_json();
        const size_t start = value.find("\"" + field + "\":") + field.size() + 3;
        const size_t end = value.find_first_of(",}", value[start] == '"' ? value.find('"', start + 1) : start);
        return value.replace(start, end - start, json_value);
    };
    EXPECT_EQ(reason_for_value(with("user_id", "123")), "field 'user_id' must be a string, got number");
    EXPECT_EQ(reason_for_value(with("user_id", "null")), "field 'user_id' must be a string, got null");
    EXPECT_EQ(reason_for_value(with("event_type", "[]")), "field 'event_type' must be a string, got array");
    EXPECT_EQ(reason_for_value(with("is_valid", "\"true\"")), "field 'is_valid' must be a boolean, got string");
    EXPECT_EQ(reason_for_value(with("revision", "\"1\"")), "field 'revision' must be an integer, got string");
    EXPECT_EQ(reason_for_value(with("event_id", "{}")), "field 'event_id' must be a string, got object");
    EXPECT_EQ(reason_for_value(with("user_id", "\"\"")), "field 'user_id' must not be empty");
    EXPECT_EQ(reason_for_value(with("user_id", "\"a\\u0000b\"")),
              "field 'user_id' contains a NUL character: 'a\\u0000b'");
    EXPECT_EQ(code_for_value(with("user_id", "\"a\\u0000b\"")), "nul_character");
    EXPECT_EQ(code_for_value(with("event_type", "\"\\u0000\"")), "nul_character");
    EXPECT_EQ(code_for_value(with("user_id", "\"\"")), "empty_text");
    EXPECT_EQ(code_for_value(with("user_id", "123")), "wrong_type");
    EXPECT_EQ(code_for_value(with("is_valid", "1")), "wrong_type");
}

TEST_F(DecoderTest, RejectsBadRevisions) {
    auto with_revision = [](std::string revision) {
        std::string value = event_json();
        return value.replace(value.find("\"revision\":0") + 11, 1, revision);
    };
    EXPECT_EQ(reason_for_value(with_revision("-1")),
              "field 'revision' must be an integer from 0 to 2147483647, got -1");
    EXPECT_EQ(reason_for_value(with_revision("2147483648")),
              "field 'revision' must be an integer from 0 to 2147483647, got 2147483648");
    EXPECT_EQ(reason_for_value(with_revision("18446744073709551615")),
              "field 'revision' must be an integer from 0 to 2147483647, got a larger number");
    EXPECT_EQ(reason_for_value(with_revision("1.5")),
              "field 'revision' must be an integer from 0 to 2147483647, got a fraction or exponent");
    EXPECT_EQ(code_for_value(with_revision("-1")), "revision_out_of_range");
    EXPECT_EQ(code_for_value(with_revision("1.5")), "revision_out_of_range");
    EXPECT_EQ(code_for_value(with_revision("1e2")), "revision_out_of_range");
    EXPECT_EQ(code_for_value(with_revision("\"1\"")), "wrong_type");
    const Verdict& largest = decode(kId, with_revision("2147483647"));
    ASSERT_EQ(largest.kind, RecordKind::Event);
    EXPECT_EQ(largest.event.revision, 2147483647);
}

TEST_F(DecoderTest, RejectsBadUuidAndTimestamps) {
    std::string bad_id = event_json();
    bad_id.replace(bad_id.find(kId), 36, "not-a-uuid");
    EXPECT_EQ(reason_for_value(bad_id), "field 'event_id' is not a UUID: 'not-a-uuid'");

    EXPECT_EQ(reason_for_value(event_json("2026-11-25T08:00:00")),
              "field 'event_time' is not an RFC 3339 timestamp with zone: zone is missing "
              "(expected Z or +HH:MM) in '2026-11-25T08:00:00'");
    EXPECT_EQ(reason_for_value(event_json("2026-11-25T08:00:00Z", "yesterday")),
              "field 'received_time' is not an RFC 3339 timestamp with zone: date is not "
              "YYYY-MM-DD in 'yesterday'");
}

TEST_F(DecoderTest, LongOffendingValuesAreCutInReasons) {
    const std::string long_key(200, 'x');
    const std::string reason_text = reason_for(long_key, event_json());
    EXPECT_EQ(reason_text, "key is not a UUID: '" + std::string(64, 'x') + "...'");
}

TEST_F(DecoderTest, ReasonCodesAreStable) {
    EXPECT_EQ(code_for(std::nullopt, event_json()), "no_key");
    EXPECT_EQ(code_for("abc", event_json()), "key_not_uuid");
    EXPECT_EQ(code_for("11111111-2222-3333-4444-555555555555", event_json()), "key_mismatch");
    EXPECT_EQ(code_for_value("{not json"), "not_json");
    EXPECT_EQ(code_for_value("[1,2]"), "not_object");
    EXPECT_EQ(code_for_value("{}"), "missing_field");
    std::string extra = event_json();
    extra.insert(1, "\"extra\":1,");
    EXPECT_EQ(code_for_value(extra), "unknown_field");
    EXPECT_EQ(code_for_value(event_json("0000-01-01T00:00:00Z")), "bad_timestamp");
    EXPECT_EQ(code_for_value(event_json("2026-11-25T08:00:00Z", "2026-11-25 08:00:00Z")), "bad_timestamp");
    std::string bad_id = event_json();
    bad_id.replace(bad_id.find(kId), 36, "not-a-uuid");
    EXPECT_EQ(code_for_value(bad_id), "bad_uuid");
    for (size_t i = 0; i < kMalformedReasonCount; ++i) {
        const auto reason = static_cast<MalformedReason>(i);
        EXPECT_EQ(parse_reason_code(reason_code(reason)), reason);
    }
    EXPECT_FALSE(parse_reason_code("fine"));
    EXPECT_EQ(decode(std::nullopt, std::nullopt).message(),
              "no_key: record has no key (expected the event_id)");
}

// The inputs on which the sink and the validator once disagreed: each is malformed.
TEST_F(DecoderTest, YearZeroNulAndRepeatedFieldsAreMalformed) {
    EXPECT_EQ(code_for_value(event_json("0000-12-31T23:59:59Z")), "bad_timestamp");
    std::string nul = event_json();
    nul.replace(nul.find("user-123"), 8, "user\\u0000123");
    EXPECT_EQ(code_for_value(nul), "nul_character");
    std::string twice = event_json();
    twice.insert(1, "\"user_id\":\"user-9\",");
    EXPECT_EQ(code_for_value(twice), "duplicate_field");
    EXPECT_EQ(reason_for_value(twice), "duplicate field 'user_id'");
}

TEST_F(DecoderTest, ViewsLastUntilTheNextDecode) {
    const Verdict& verdict = decode(kId, event_json());
    ASSERT_EQ(verdict.kind, RecordKind::Event);
    const std::string user_id(verdict.event.user_id);
    EXPECT_EQ(user_id, "user-123");
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(reason_for_value(event_json()), "");
    EXPECT_EQ(decode(kId, event_json()).event.user_id, "user-123");
}

}  // namespace
}  // namespace ingest::plugins::shared::user_events
