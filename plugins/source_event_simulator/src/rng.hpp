// The simulator's random numbers: xoshiro256** seeded through splitmix64, and integer-only
// helpers on top of it.
//
// Written here rather than taken from <random> because the stream must be the same for the same
// seed on every platform and standard library: std::uniform_int_distribution and friends are
// implementation-defined, and libm functions (log, exp) are not guaranteed to round alike. Every
// decision below uses integer arithmetic only.
#pragma once

#include <cstdint>

namespace ingest::plugins::source_event_simulator {

// GCC and Clang's 128-bit integer; __extension__ tells -Wpedantic it is meant.
__extension__ using uint128_t = unsigned __int128;

// One step of splitmix64: also a good 64-bit mixer for deriving independent seeds.
constexpr uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

class Rng {
   public:
    explicit Rng(uint64_t seed) {
        uint64_t state = seed;
        for (uint64_t& word : s_) word = splitmix64(state);
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, bound) for bound > 0, by multiply-and-shift: the bias is below 2^-64 * bound,
    // far under anything a test of rates could see, and it costs no division.
    uint64_t below(uint64_t bound) {
        return static_cast<uint64_t>((static_cast<uint128_t>(next()) * bound) >> 64);
    }

    // Uniform in [low, high], inclusive.
    int64_t between(int64_t low, int64_t high) {
        return low + static_cast<int64_t>(below(static_cast<uint64_t>(high - low) + 1));
    }

    // 53 uniform bits: compared against probability thresholds from probability_threshold().
    uint64_t unit53() { return next() >> 11; }

   private:
    static constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    uint64_t s_[4];
};

inline constexpr uint64_t kUnit53 = uint64_t{1} << 53;

// A probability p in [0, 1] as a threshold for Rng::unit53(): unit53() < threshold holds with
// probability p. Converted once, at configuration time, so that the stream itself never touches
// floating point.
constexpr uint64_t probability_threshold(double p) {
    if (!(p > 0.0)) return 0;
    if (p >= 1.0) return kUnit53;
    return static_cast<uint64_t>(p * static_cast<double>(kUnit53));
}

}  // namespace ingest::plugins::source_event_simulator
