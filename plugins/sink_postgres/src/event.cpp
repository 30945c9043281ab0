#include "event.hpp"

namespace ingest::plugins::sink_postgres {

using shared::user_events::RecordKind;

RecordKind decode_record(shared::user_events::EventDecoder& decoder,
                         std::optional<std::string_view> key,
                         std::optional<std::string_view> value, int64_t late_threshold_us,
                         Event& event, StringArena& arena, std::string& reason) {
    const shared::user_events::Verdict& verdict = decoder.decode(key, value);
    switch (verdict.kind) {
        case RecordKind::Malformed:
            reason = verdict.message();
            break;
        case RecordKind::Tombstone:
            event.event_id = verdict.event_id;
            event.tombstone = true;
            break;
        case RecordKind::Event: {
            const shared::user_events::EventView& fields = verdict.event;
            event.event_id = verdict.event_id;
            event.tombstone = false;
            event.is_valid = fields.is_valid;
            event.revision = fields.revision;
            event.event_time_us = fields.event_time_us;
            event.received_time_us = fields.received_time_us;
            event.late = fields.received_time_us - fields.event_time_us > late_threshold_us;
            event.user_id = arena.append(fields.user_id);
            event.event_type = arena.append(fields.event_type);
            break;
        }
    }
    return verdict.kind;
}

}  // namespace ingest::plugins::sink_postgres
