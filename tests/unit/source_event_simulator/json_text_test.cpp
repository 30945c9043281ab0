#include "json_text.hpp"
#include "rng.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ingest::simulator {
namespace {

std::string encode(std::string_view text) {
    std::vector<char> buffer(json_string_capacity(text.size()));
    return {buffer.data(), write_json_string(buffer.data(), text)};
}

TEST(JsonText, EscapesExactlyWhatJsonRequires) {
    EXPECT_EQ(encode(""), R"("")");
    EXPECT_EQ(encode(R"({"a":"b\c"})"), R"("{\"a\":\"b\\c\"}")");
    EXPECT_EQ(encode("tab\there\nnew\rret\x01\x1f"), R"("tab\there\nnew\rret\u0001\u001f")");
    EXPECT_EQ(encode("caf\xc3\xa9 \x7f"), "\"caf\xc3\xa9 \x7f\"");
}

// Every position within the 8-byte scan and its tail, every special character: what a JSON parser
// reads back is the original text.
TEST(JsonText, RoundTripsThroughAJsonParser) {
    Rng rng(5);
    const std::string alphabet = std::string("ab\"\\\n\t\x01\x1f ~{}:,0") + "\xc3\xa9";
    for (int i = 0; i < 20'000; ++i) {
        std::string text;
        const size_t size = rng.below(40);
        while (text.size() < size) {
            const size_t pick = rng.below(alphabet.size() - 1);
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
}  // namespace ingest::simulator
