#include "partitioning.hpp"

#include <charconv>

namespace ingest::plugins::source_event_simulator {

int32_t kafka_murmur2(std::string_view bytes) {
    // Kafka's constants; unsigned arithmetic for Java's wrapping int multiplication and >>>.
    constexpr uint32_t kSeed = 0x9747b28c;
    constexpr uint32_t m = 0x5bd1e995;
    constexpr int r = 24;
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    const size_t length = bytes.size();
    uint32_t h = kSeed ^ static_cast<uint32_t>(length);
    const size_t blocks = length / 4;
    for (size_t i = 0; i < blocks; ++i) {
        const size_t at = i * 4;
        uint32_t k = uint32_t{data[at]} | uint32_t{data[at + 1]} << 8 | uint32_t{data[at + 2]} << 16 |
                     uint32_t{data[at + 3]} << 24;
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const size_t tail = blocks * 4;
    switch (length % 4) {
        case 3: h ^= uint32_t{data[tail + 2]} << 16; [[fallthrough]];
        case 2: h ^= uint32_t{data[tail + 1]} << 8; [[fallthrough]];
        case 1:
            h ^= uint32_t{data[tail]};
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<int32_t>(h);
}

int32_t user_partition(std::string_view user_id, int32_t partitions) {
    const auto positive = static_cast<uint32_t>(kafka_murmur2(user_id)) & 0x7fffffffU;
    return static_cast<int32_t>(positive % static_cast<uint32_t>(partitions));
}

int32_t user_partition(uint32_t user, int32_t partitions) {
    char text[16] = "user-";
    const auto end = std::to_chars(text + 5, text + sizeof text, user).ptr;
    return user_partition(std::string_view(text, static_cast<size_t>(end - text)), partitions);
}

}  // namespace ingest::plugins::source_event_simulator
