// What the source meant by one record: the audit log's `intent` values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ingest::plugins::shared::user_events {

// The order is the order of the audit log's completion totals.
enum class Intent : uint8_t { Create, Duplicate, Correct, Invalidate, Delete, Malformed };
inline constexpr size_t kIntentCount = 6;

inline constexpr std::array<std::string_view, kIntentCount> kIntentNames = {
    "create", "duplicate", "correct", "invalidate", "delete", "malformed"};

constexpr std::string_view intent_name(Intent intent) {
    return kIntentNames[static_cast<size_t>(intent)];
}

constexpr std::optional<Intent> parse_intent(std::string_view name) {
    for (size_t i = 0; i < kIntentCount; ++i)
        if (kIntentNames[i] == name) return static_cast<Intent>(i);
    return std::nullopt;
}

}  // namespace ingest::plugins::shared::user_events
