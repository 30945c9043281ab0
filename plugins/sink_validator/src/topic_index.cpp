#include "topic_index.hpp"

#include <algorithm>
#include <charconv>

namespace ingest::plugins::sink_validator {
namespace {

template <typename Number>
bool parse_number(std::string_view text, Number& out) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size() && out >= 0;
}

}  // namespace

std::optional<DeadLetterOrigin> parse_dead_letter_origin(std::optional<std::string_view> topic,
                                                         std::optional<std::string_view> partition,
                                                         std::optional<std::string_view> offset,
                                                         std::string& problem) {
    if (!topic || !partition || !offset) {
        problem = "missing __connect.errors.topic/partition/offset header";
        return std::nullopt;
    }
    DeadLetterOrigin origin;
    origin.topic = std::string(*topic);
    if (!parse_number(*partition, origin.partition) || !parse_number(*offset, origin.offset)) {
        problem = "__connect.errors.partition/offset header is not a number";
        return std::nullopt;
    }
    return origin;
}

void TopicIndex::add_source(int32_t partition, int64_t offset, uint64_t fingerprint) {
    PartitionSlots& slots = source_[partition];
    if (slots.fingerprints.empty()) slots.base = offset;
    if (offset < slots.base) {
        // Only after a re-seek to an earlier position; rare, so shifting is fine.
        slots.fingerprints.insert(slots.fingerprints.begin(),
                                  static_cast<size_t>(slots.base - offset), 0);
        slots.base = offset;
    }
    const auto index = static_cast<size_t>(offset - slots.base);
    if (index >= slots.fingerprints.size()) {
        // Grows by a quarter, not double: 8 bytes a record is the point of this index.
        if (index + 1 > slots.fingerprints.capacity())
            slots.fingerprints.reserve(
                std::max(index + 1, slots.fingerprints.capacity() + slots.fingerprints.capacity() / 4 + 1024));
        slots.fingerprints.resize(index + 1, 0);
    }
    if (slots.fingerprints[index] == 0) ++source_count_;
    slots.fingerprints[index] = fingerprint;
}

std::optional<uint64_t> TopicIndex::source_at(int32_t partition, int64_t offset) const {
    auto found = source_.find(partition);
    if (found == source_.end() || offset < found->second.base) return std::nullopt;
    const auto index = static_cast<size_t>(offset - found->second.base);
    if (index >= found->second.fingerprints.size() || found->second.fingerprints[index] == 0)
        return std::nullopt;
    return found->second.fingerprints[index];
}

void TopicIndex::add_dead_letter(int32_t partition, int64_t offset, const DeadLetterOrigin& origin,
                                 uint64_t fingerprint) {
    if (!dead_letter_positions_seen_.insert({partition, offset}).second) return;
    DeadLetterEntry& entry = dead_letters_[{origin.partition, origin.offset}];
    if (entry.copies == 0) entry.fingerprint = fingerprint;
    ++entry.copies;
}

void TopicIndex::add_stray_dead_letter(StrayDeadLetter stray) {
    if (!dead_letter_positions_seen_.insert({stray.partition, stray.offset}).second) return;
    strays_.push_back(std::move(stray));
}

const DeadLetterEntry* TopicIndex::dead_letter_for(int32_t partition, int64_t offset) const {
    auto found = dead_letters_.find({partition, offset});
    return found == dead_letters_.end() ? nullptr : &found->second;
}

}  // namespace ingest::plugins::sink_validator
