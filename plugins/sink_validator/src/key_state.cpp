#include "key_state.hpp"

namespace ingest::plugins::sink_validator {
namespace {

void take(KeyState& state, const RecordFacts& record) {
    state.partition = record.partition;
    state.offset = record.offset;
    state.revision = record.revision;
    if (record.tombstone()) {
        state.fields_fingerprint = 0;
        state.flags = static_cast<uint8_t>((state.flags & KeyState::kDisordered) | KeyState::kDeleted);
        return;
    }
    state.fields_fingerprint = record.fields_fingerprint;
    uint8_t flags = state.flags & KeyState::kDisordered;
    if (record.flags & RecordFacts::kInvalid) flags |= KeyState::kInvalid;
    if (record.flags & RecordFacts::kLate) flags |= KeyState::kLate;
    state.flags = flags;
}

}  // namespace

KeyState first_state(const RecordFacts& record) {
    KeyState state;
    state.id = record.id;
    state.partition = record.partition;
    state.last_offset = record.offset;
    state.changes = 1;
    take(state, record);
    return state;
}

bool fold(KeyState& state, const RecordFacts& record) {
    if (state.disordered()) return false;  // derived again at the end anyway
    if (record.partition != state.partition || record.offset <= state.last_offset) {
        state.flags |= KeyState::kDisordered;
        return false;
    }
    apply(state, record);
    return true;
}

void apply(KeyState& state, const RecordFacts& record) {
    state.last_offset = record.offset;
    if (state.deleted()) return;  // nothing comes back after a deletion
    if (!record.tombstone() && record.revision <= state.revision) return;  // not newer
    ++state.changes;
    take(state, record);
}

}  // namespace ingest::plugins::sink_validator
