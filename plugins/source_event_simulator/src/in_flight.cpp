#include "in_flight.hpp"

#include <cstring>

namespace ingest::plugins::source_event_simulator {

uint64_t InFlightWindow::add(Intent intent, std::string_view key,
                             std::optional<std::string_view> value) {
    const uint64_t seq = next_seq_++;
    Entry& entry = slot(seq);
    entry.seq = seq;
    entry.intent = intent;
    entry.pending = true;
    entry.tombstone = !value.has_value();
    entry.key_size = static_cast<uint32_t>(key.size());
    entry.value_size = value ? static_cast<uint32_t>(value->size()) : 0;
    const size_t size = key.size() + entry.value_size;
    entry.spilled = size > kInlineBytes;
    char* bytes = entry.inline_bytes;
    if (entry.spilled) {
        entry.spill.resize(size);
        bytes = entry.spill.data();
    }
    std::memcpy(bytes, key.data(), key.size());
    if (value) std::memcpy(bytes + key.size(), value->data(), value->size());
    ++pending_;
    return seq;
}

InFlightWindow::Entry& InFlightWindow::slot(uint64_t seq) {
    const size_t index = static_cast<size_t>(seq % capacity_);
    // A continued stream starts anywhere in the ring: slots below it are created empty.
    if (index >= slots_.size()) slots_.resize(index + 1);
    return slots_[index];
}

void InFlightWindow::start_at(uint64_t seq) {
    next_seq_ = seq;
    oldest_pending_ = seq;
}

void InFlightWindow::skip() {
    const uint64_t seq = next_seq_++;
    Entry& entry = slot(seq);
    entry.seq = seq;
    entry.pending = false;
    // Nothing older pending: the lead stays empty. Otherwise release() passes over it later.
    if (oldest_pending_ == seq) oldest_pending_ = next_seq_;
}

InFlightWindow::Entry* InFlightWindow::find(uint64_t seq) {
    if (seq >= next_seq_) return nullptr;
    const size_t index = static_cast<size_t>(seq % capacity_);
    if (index >= slots_.size()) return nullptr;
    Entry& entry = slots_[index];
    return entry.pending && entry.seq == seq ? &entry : nullptr;
}

void InFlightWindow::release(Entry& entry) {
    if (!entry.pending) return;
    entry.pending = false;
    --pending_;
    // Reports arrive out of order across partitions; the lead only shrinks once the oldest
    // record is settled, which keeps every pending entry within one ring's length.
    while (oldest_pending_ < next_seq_) {
        const Entry& oldest = slots_[static_cast<size_t>(oldest_pending_ % capacity_)];
        if (oldest.pending && oldest.seq == oldest_pending_) break;
        ++oldest_pending_;
    }
}

}  // namespace ingest::plugins::source_event_simulator
