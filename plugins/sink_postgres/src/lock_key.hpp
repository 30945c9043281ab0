// Keys for pg_advisory_xact_lock: a stable 64-bit hash (FNV-1a) of a descriptive text, so that
// every task of every runner derives the same key for the same resource.
#pragma once

#include <cstdint>
#include <string_view>

namespace ingest::plugins::sink_postgres {

constexpr int64_t advisory_lock_key(std::string_view text) {
    uint64_t hash = 14695981039346656037ull;
    for (char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return static_cast<int64_t>(hash);
}

}  // namespace ingest::plugins::sink_postgres
