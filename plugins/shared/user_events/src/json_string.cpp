#include "shared/user_events/json_string.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ingest::plugins::shared::user_events {
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

#if defined(__SSE2__)
// 16 bytes at a time with an exact mask of the bytes to escape. A record value has a quote every
// ten bytes or so, so each special byte is handled from the mask without rescanning: the bytes
// after it are stored again, shifted past the escape, with one 16-byte copy. Loads reach at most
// 32 bytes past `in`, hence the loop condition; the rest goes to the portable loop.
char* escape_sse2(const char*& in_ref, const char* end, char* out) {
    const char* in = in_ref;
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i control_max = _mm_set1_epi8(0x1f);
    while (end - in >= 32) {
        const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), chunk);
        const __m128i special = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
            _mm_cmpeq_epi8(_mm_max_epu8(chunk, control_max), control_max));
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
        unsigned done = 0;  // bytes of this chunk already in place at out[-(position - done)..]
        while (mask != 0) {
            const auto position = static_cast<unsigned>(std::countr_zero(mask));
            mask &= mask - 1;
            out += position - done;
            out = write_escape(out, static_cast<unsigned char>(in[position]));
            done = position + 1;
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + done)));
        }
        out += 16 - done;
        in += 16;
    }
    in_ref = in;
    return out;
}
#endif

}  // namespace

char* write_json_string(char* out, std::string_view text) {
    const char* in = text.data();
    const char* const end = in + text.size();
    *out++ = '"';
#if defined(__SSE2__)
    out = escape_sse2(in, end, out);
#endif
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

}  // namespace ingest::plugins::shared::user_events
