// A compact stand-in for a record's content, so the validator can remember what sits at every
// topic offset (a million records) in 8 bytes each and compare it with the audit log's bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>

namespace ingest::plugins::sink_validator {

// Never 0, so 0 can mean "nothing seen at this offset". Key and value are hashed separately and
// mixed with their presence, so ("ab", "c") and ("a", "bc") or a tombstone and an empty value
// differ.
inline uint64_t record_fingerprint(std::optional<std::string_view> key,
                                   std::optional<std::string_view> value) {
    const std::hash<std::string_view> hash;
    auto mix = [](uint64_t h) {
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDULL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53ULL;
        h ^= h >> 33;
        return h;
    };
    uint64_t h = mix(key ? hash(*key) ^ 0x1ULL : 0x2ULL);
    h = mix(h ^ ((value ? hash(*value) ^ 0x4ULL : 0x8ULL) + 0x9E3779B97F4A7C15ULL));
    return h == 0 ? 1 : h;
}

// A record's key alone (nullopt: no key), for compaction, which keeps the last record per key.
// Another seed than record_fingerprint's, so a key never looks like a record.
inline uint64_t key_fingerprint(std::optional<std::string_view> key) {
    return record_fingerprint(key, std::string_view("\x01key-only\x01"));
}

// The columns of a row that come from its record (user_id, event_type, event_time,
// received_time, is_valid, revision), hashed: the expected state keeps this instead of the fields,
// and a table row matches when its own fingerprint is equal. 64 bits: two different rows agree by
// chance with a probability of 2^-64.
inline uint64_t fields_fingerprint(std::string_view user_id, std::string_view event_type,
                                   int64_t event_time_us, int64_t received_time_us, bool is_valid,
                                   int64_t revision) {
    const std::hash<std::string_view> hash;
    auto mix = [](uint64_t h) {
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDULL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53ULL;
        h ^= h >> 33;
        return h;
    };
    uint64_t h = mix(hash(user_id) + user_id.size());
    h = mix(h ^ (hash(event_type) + 0x9E3779B97F4A7C15ULL * (event_type.size() + 1)));
    h = mix(h ^ static_cast<uint64_t>(event_time_us));
    h = mix(h ^ (static_cast<uint64_t>(received_time_us) + 0x9E3779B97F4A7C15ULL));
    h = mix(h ^ (static_cast<uint64_t>(revision) * 2 + (is_valid ? 1 : 0)));
    return h == 0 ? 1 : h;
}

}  // namespace ingest::plugins::sink_validator
