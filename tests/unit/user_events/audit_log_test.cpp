// The audit-log line format: what the writer writes, the parser reads back, and what the parser
// refuses. (The lines are also checked against schemas/audit_log.schema.json in tests/contract.)
#include "shared/user_events/audit_log.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ingest::plugins::shared::user_events {
namespace {

std::string confirmed(uint64_t seq, Intent intent, std::string_view key,
                      std::optional<std::string_view> value, int32_t partition, int64_t offset) {
    std::vector<char> buffer(audit_record_line_capacity(key.size(), value ? value->size() : 0));
    return {buffer.data(), write_confirmed_line(buffer.data(), seq, intent, key, value, partition, offset)};
}

std::string failed(uint64_t seq, Intent intent, std::string_view key,
                   std::optional<std::string_view> value, std::string_view error) {
    std::vector<char> buffer(
        audit_record_line_capacity(key.size(), value ? value->size() : 0, error.size()));
    return {buffer.data(), write_failed_line(buffer.data(), seq, intent, key, value, error)};
}

std::string completion(const AuditTotals& totals) {
    std::vector<char> buffer(kAuditCompletionLineCapacity);
    return {buffer.data(), write_completion_line(buffer.data(), totals)};
}

std::string error_of(std::string_view line) {
    AuditLineParser parser;
    try {
        parser.parse(line);
    } catch (const AuditLineError& error) {
        return error.what();
    }
    return "";
}

TEST(AuditLine, WritesTheDocumentedFormat) {
    EXPECT_EQ(confirmed(17, Intent::Create, "k", std::string_view("{\"a\":1}"), 3, 1234),
              R"({"seq":17,"intent":"create","key":"k","value":"{\"a\":1}","partition":3,"offset":1234,"status":"confirmed"})");
    EXPECT_EQ(failed(18, Intent::Delete, "k", std::nullopt, "Broker: timed out"),
              R"({"seq":18,"intent":"delete","key":"k","value":null,"partition":-1,"offset":-1,"status":"failed","error":"Broker: timed out"})");
    AuditTotals totals;
    totals.records = 3;
    totals.confirmed = 2;
    totals.failed = 1;
    totals.by_intent[static_cast<size_t>(Intent::Malformed)] = 1;
    EXPECT_EQ(completion(totals),
              R"({"complete":true,"totals":{"records":3,"confirmed":2,"failed":1,"create":0,"duplicate":0,"correct":0,"invalidate":0,"delete":0,"malformed":1}})");
}

TEST(AuditLine, WhatIsWrittenIsReadBack) {
    // Values carry quotes, backslashes and control characters: what malformed records may hold.
    const std::string tricky = "{\"a\":\"b\\\\c\"\n\t\x01 trailing \x7f";
    AuditLineParser parser;
    ASSERT_EQ(parser.parse(confirmed(5, Intent::Malformed, "bad \"key\"", tricky, 2, 99)),
              AuditLineParser::Kind::Record);
    EXPECT_EQ(parser.record().seq, 5u);
    EXPECT_EQ(parser.record().intent, Intent::Malformed);
    EXPECT_EQ(parser.record().status, AuditStatus::Confirmed);
    EXPECT_EQ(parser.record().key, "bad \"key\"");
    EXPECT_EQ(parser.record().value, tricky);
    EXPECT_EQ(parser.record().partition, 2);
    EXPECT_EQ(parser.record().offset, 99);

    ASSERT_EQ(parser.parse(confirmed(6, Intent::Delete, "k", std::nullopt, 0, 0)),
              AuditLineParser::Kind::Record);
    EXPECT_FALSE(parser.record().value.has_value());

    ASSERT_EQ(parser.parse(failed(7, Intent::Correct, "k", "v", "refused")), AuditLineParser::Kind::Record);
    EXPECT_EQ(parser.record().status, AuditStatus::Failed);
    EXPECT_EQ(parser.record().intent, Intent::Correct);

    AuditTotals totals;
    totals.records = 10;
    totals.confirmed = 9;
    totals.failed = 1;
    for (size_t i = 0; i < kIntentCount; ++i) totals.by_intent[i] = i + 1;
    ASSERT_EQ(parser.parse(completion(totals)), AuditLineParser::Kind::Completion);
    EXPECT_EQ(parser.totals(), totals);

    EXPECT_EQ(parser.parse("  \t"), AuditLineParser::Kind::Blank);
}

TEST(AuditLine, NamesWhatIsWrong) {
    EXPECT_EQ(error_of("{nope"), "not JSON (syntax error)");
    EXPECT_EQ(error_of("[1]"), "not a JSON object");
    EXPECT_EQ(error_of(R"({"status":"confirmed"})"), "missing \"intent\"");
    EXPECT_EQ(error_of(R"({"intent":"frobnicate","status":"confirmed"})"), "unknown intent \"frobnicate\"");
    EXPECT_EQ(error_of(R"({"intent":"create"})"), "missing \"status\"");
    EXPECT_EQ(error_of(R"({"intent":"create","status":"maybe"})"), "unknown status \"maybe\"");
    EXPECT_EQ(error_of(R"({"seq":1,"intent":"create","key":"k","value":"v","partition":-1,"offset":-1,"status":"confirmed"})"),
              "confirmed record without a valid partition and offset");
    EXPECT_EQ(error_of(R"({"seq":1,"intent":"create","key":"k","value":7,"partition":0,"offset":0,"status":"confirmed"})"),
              "\"value\" is not a string or null");
    EXPECT_EQ(error_of(R"({"seq":1,"intent":"create","value":"v","partition":0,"offset":0,"status":"confirmed"})"),
              "missing \"key\"");
    EXPECT_EQ(error_of(R"({"complete":false})"), "\"complete\" is not true");
    EXPECT_EQ(error_of(R"({"complete":true})"), "completion line has no \"totals\" object");
    EXPECT_EQ(error_of(R"({"complete":true,"totals":{"records":1,"confirmed":1,"failed":0}})"),
              "missing \"create\"");
}

// The direct scan of confirmed lines and the JSON parser read every line alike: same kind, same
// fields, or the same error.
struct Reading {
    std::string outcome;  // "record", "completion", "blank" or the error
    AuditRecordLine record;
    std::optional<std::string> key;
    std::optional<std::string> value;
};

Reading read_with(AuditLineParser& parser, std::string_view line) {
    Reading reading;
    try {
        switch (parser.parse(line)) {
            case AuditLineParser::Kind::Blank: reading.outcome = "blank"; break;
            case AuditLineParser::Kind::Completion: reading.outcome = "completion"; break;
            case AuditLineParser::Kind::Record:
                reading.outcome = "record";
                reading.record = parser.record();
                if (reading.record.key) reading.key = std::string(*reading.record.key);
                if (reading.record.value) reading.value = std::string(*reading.record.value);
                break;
        }
    } catch (const AuditLineError& error) {
        reading.outcome = error.what();
    }
    return reading;
}

TEST(AuditLine, TheDirectScanReadsEveryLineAsTheJsonParserDoes) {
    std::vector<std::string> lines;
    std::string every_byte;
    for (int c = 1; c < 0x80; ++c) every_byte.push_back(static_cast<char>(c));
    const std::vector<std::string> texts = {"", "v", "{\"a\":\"b\\\\c\"}", every_byte,
                                            "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                            std::string("nul\0inside", 11), "\xff\xfe not utf-8",
                                            "\xed\xa0\x80 surrogate", "\xc0\x80 overlong"};
    for (const std::string& text : texts) {
        lines.push_back(confirmed(3, Intent::Correct, text, text, 4, 5));
        lines.push_back(confirmed(0, Intent::Delete, text, std::nullopt, 0, 0));
    }
    lines.push_back(confirmed(std::numeric_limits<int64_t>::max(), Intent::Malformed, "k", "v", 2147483647,
                              std::numeric_limits<int64_t>::max()));
    lines.push_back(failed(7, Intent::Create, "k", "v", "refused"));
    const std::vector<std::string> others = {
        R"({"seq":1,"intent":"create","key":null,"value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"\u00e9\u20ac\/\b\f\n\r\t\u0000","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"\ud83d\ude00","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"\ud83d","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"\x","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":01,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1.0,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1e2,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":-1,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":9223372036854775808,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"update","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"v","partition":-1,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"v","partition":2147483648,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"v","partition":0,"offset":-0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"} )",
        R"({"seq":1,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"}x)",
        R"({"seq":1,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed")",
        "{\"seq\":1,\"intent\":\"create\",\"key\":\"k\",\"value\":\"tab\traw\",\"partition\":0,\"offset\":0,\"status\":\"confirmed\"}",
        R"({"seq":1, "intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"intent":"create","seq":1,"key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
        R"({"seq":1,"intent":"create","key":"k","value":"v","partition":0,"offset":0,"status":"failed"})",
        "", "  ",
    };
    lines.insert(lines.end(), others.begin(), others.end());
    AuditLineParser scan;
    AuditLineParser json(false);
    for (const std::string& line : lines) {
        const Reading fast = read_with(scan, line);
        const Reading slow = read_with(json, line);
        EXPECT_EQ(fast.outcome, slow.outcome) << line;
        if (fast.outcome != "record" || slow.outcome != "record") continue;
        EXPECT_EQ(fast.record.seq, slow.record.seq) << line;
        EXPECT_EQ(fast.record.intent, slow.record.intent) << line;
        EXPECT_EQ(fast.record.status, slow.record.status) << line;
        EXPECT_EQ(fast.record.partition, slow.record.partition) << line;
        EXPECT_EQ(fast.record.offset, slow.record.offset) << line;
        EXPECT_EQ(fast.key, slow.key) << line;
        EXPECT_EQ(fast.value, slow.value) << line;
    }
}

TEST(Intent, NamesRoundTrip) {
    for (size_t i = 0; i < kIntentCount; ++i) {
        const auto intent = static_cast<Intent>(i);
        EXPECT_EQ(parse_intent(intent_name(intent)), intent);
    }
    EXPECT_FALSE(parse_intent("update"));
}

}  // namespace
}  // namespace ingest::plugins::shared::user_events
