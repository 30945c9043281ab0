#include "json_text.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

namespace ingest::simulator {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// The lowest set high bit marks the first byte of `x` that is zero (exact for that byte; bytes
// after it may show false positives, which the caller never looks at).
constexpr uint64_t zero_bytes(uint64_t x) { return (x - kOnes) & ~x & kHighBits; }

// Bytes that need escaping: '"', '\\' and control characters below 0x20.
constexpr uint64_t special_bytes(uint64_t x) {
    return zero_bytes(x ^ (kOnes * '"')) | zero_bytes(x ^ (kOnes * '\\')) |
           ((x - kOnes * 0x20) & ~x & kHighBits);
}

bool is_special(unsigned char c) { return c == '"' || c == '\\' || c < 0x20; }

char* write_escape(char* out, unsigned char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    *out++ = '\\';
    switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
            std::memcpy(out, "u00", 3);
            out += 3;
            *out++ = kHex[c >> 4];
            *out++ = kHex[c & 0xf];
    }
    return out;
}

}  // namespace

char* write_json_string(char* out, std::string_view text) {
    const char* in = text.data();
    const char* const end = in + text.size();
    *out++ = '"';
    if constexpr (std::endian::native == std::endian::little) {
        while (end - in >= 8) {
            uint64_t chunk;
            std::memcpy(&chunk, in, 8);
            // Copy all 8 bytes at once, then keep only those before the first special one.
            std::memcpy(out, in, 8);
            const uint64_t special = special_bytes(chunk);
            if (special == 0) {
                in += 8;
                out += 8;
                continue;
            }
            const int plain = std::countr_zero(special) / 8;
            in += plain;
            out += plain;
            out = write_escape(out, static_cast<unsigned char>(*in++));
        }
    }
    for (; in < end; ++in) {
        const auto c = static_cast<unsigned char>(*in);
        if (is_special(c))
            out = write_escape(out, c);
        else
            *out++ = static_cast<char>(c);
    }
    *out++ = '"';
    return out;
}

}  // namespace ingest::simulator
