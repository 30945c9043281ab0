#include "shared/user_events/json_string.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ingest::plugins::shared::user_events {
namespace {

std::string encode(std::string_view text) {
    std::vector<char> buffer(json_string_capacity(text.size()));
    return {buffer.data(), write_json_string(buffer.data(), text)};
}

TEST(JsonString, EscapesExactlyWhatJsonRequires) {
    EXPECT_EQ(encode(""), R"("")");
    EXPECT_EQ(encode(R"({"a":"b\c"})"), R"("{\"a\":\"b\\c\"}")");
    EXPECT_EQ(encode("tab\there\nnew\rret\x01\x1f"), R"("tab\there\nnew\rret\u0001\u001f")");
    EXPECT_EQ(encode("caf\xc3\xa9 \x7f"), "\"caf\xc3\xa9 \x7f\"");
}

// Every position within the 16- and 8-byte scans and their tails, every special character, runs
// of specials within one chunk: what a JSON parser reads back is the original text.
TEST(JsonString, EscapesARecordValueLikeTheByteLoop) {
    const std::string value =
        R"({"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","user_id":"user-123","event_type":)"
        R"("page_view","event_time":"2026-11-25T08:00:00.123456Z","received_time":)"
        R"("2026-11-25T08:00:01.500000Z","is_valid":true,"revision":0})";
    std::string expected = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') expected += '\\';
        expected += c;
    }
    expected += '"';
    EXPECT_EQ(encode(value), expected);
}

TEST(JsonString, RoundTripsThroughAJsonParser) {
    std::mt19937_64 rng(5);
    const auto below = [&](size_t bound) { return static_cast<size_t>(rng() % bound); };
    // Half the draws are plain letters, so texts have both long clean runs and dense specials.
    const std::string alphabet = std::string("ab\"\\\n\t\x01\x1f ~{}:,0aaaaaaaaaaaaaaa") + "\xc3\xa9";
    for (int i = 0; i < 20'000; ++i) {
        std::string text;
        const size_t size = below(120);
        while (text.size() < size) {
            const size_t pick = below(alphabet.size() - 1);
            // Keep the two-byte UTF-8 sequence whole, so the text stays valid UTF-8.
            text += pick == alphabet.size() - 2 ? alphabet.substr(pick, 2) : alphabet.substr(pick, 1);
        }
        const std::string encoded = encode(text);
        ASSERT_LE(encoded.size(), json_string_capacity(text.size()));
        const boost::json::value parsed = boost::json::parse(encoded);
        ASSERT_EQ(parsed.as_string(), text) << encoded;
    }
}

}  // namespace
}  // namespace ingest::plugins::shared::user_events
