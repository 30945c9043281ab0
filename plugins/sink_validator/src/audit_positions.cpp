#include "audit_positions.hpp"

#include <algorithm>

namespace ingest::plugins::sink_validator {
namespace {

constexpr uint32_t kTombstoneBit = 1u << 31;

// Grows by a quarter rather than doubling: these arrays are a record's worth of memory each.
template <typename T>
void grow_to(std::vector<T>& values, size_t size) {
    if (size > values.capacity()) values.reserve(std::max(size, values.capacity() + values.capacity() / 4 + 1024));
    values.resize(size, T{});
}

template <typename T>
void prepend(std::vector<T>& values, size_t count) {
    values.insert(values.begin(), count, T{});
}

}  // namespace

std::optional<uint64_t> AuditPositions::add(const AuditPosition& position) {
    Slots& slots = partitions_[position.partition];
    if (slots.fingerprints.empty()) slots.base = position.offset;
    if (position.offset < slots.base) {
        // Lines out of offset order in a partition: rare, so shifting is fine.
        const auto count = static_cast<size_t>(slots.base - position.offset);
        prepend(slots.fingerprints, count);
        prepend(slots.seqs, count);
        if (keep_keys_) prepend(slots.keys, count);
        slots.base = position.offset;
    }
    const auto index = static_cast<size_t>(position.offset - slots.base);
    if (index >= slots.fingerprints.size()) {
        grow_to(slots.fingerprints, index + 1);
        grow_to(slots.seqs, index + 1);
        if (keep_keys_) grow_to(slots.keys, index + 1);
    }
    if (slots.fingerprints[index] != 0) return slots.seqs[index] & ~kTombstoneBit;
    slots.fingerprints[index] = position.fingerprint == 0 ? 1 : position.fingerprint;
    slots.seqs[index] = static_cast<uint32_t>(std::min(position.seq, kSeqMax)) |
                        (position.tombstone ? kTombstoneBit : 0);
    if (keep_keys_) slots.keys[index] = position.key_fingerprint;
    ++size_;
    return std::nullopt;
}

AuditPosition AuditPositions::entry(int32_t partition, const Slots& slots, size_t index) const {
    AuditPosition position;
    position.partition = partition;
    position.offset = slots.base + static_cast<int64_t>(index);
    position.fingerprint = slots.fingerprints[index];
    position.seq = slots.seqs[index] & ~kTombstoneBit;
    position.tombstone = (slots.seqs[index] & kTombstoneBit) != 0;
    if (keep_keys_) position.key_fingerprint = slots.keys[index];
    return position;
}

std::optional<AuditPosition> AuditPositions::at(int32_t partition, int64_t offset) const {
    const auto found = partitions_.find(partition);
    if (found == partitions_.end() || offset < found->second.base) return std::nullopt;
    const auto index = static_cast<size_t>(offset - found->second.base);
    if (index >= found->second.fingerprints.size() || found->second.fingerprints[index] == 0)
        return std::nullopt;
    return entry(partition, found->second, index);
}

std::map<int32_t, int64_t> AuditPositions::highest_offsets() const {
    std::map<int32_t, int64_t> highest;
    for (const auto& [partition, slots] : partitions_)
        for (size_t i = slots.fingerprints.size(); i-- > 0;)
            if (slots.fingerprints[i] != 0) {
                highest[partition] = slots.base + static_cast<int64_t>(i);
                break;
            }
    return highest;
}

size_t AuditPositions::bytes() const {
    size_t total = 0;
    for (const auto& [partition, slots] : partitions_)
        total += slots.fingerprints.capacity() * 8 + slots.seqs.capacity() * 4 + slots.keys.capacity() * 8;
    return total;
}

}  // namespace ingest::plugins::sink_validator
