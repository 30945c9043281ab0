#include "event_value.hpp"

namespace ingest::plugins::sink_validator {

ClassifiedRecord classify_record(EventDecoder& decoder, std::optional<std::string_view> key,
                                 std::optional<std::string_view> value) {
    const shared::user_events::Verdict& verdict = decoder.decode(key, value);
    ClassifiedRecord record;
    record.kind = verdict.kind;
    switch (verdict.kind) {
        case RecordKind::Malformed:
            record.problem = verdict.message();
            break;
        case RecordKind::Tombstone:
            record.event_id = verdict.event_id;
            break;
        case RecordKind::Event:
            record.event_id = verdict.event_id;
            record.fields.user_id = std::string(verdict.event.user_id);
            record.fields.event_type = std::string(verdict.event.event_type);
            record.fields.event_time_us = verdict.event.event_time_us;
            record.fields.received_time_us = verdict.event.received_time_us;
            record.fields.is_valid = verdict.event.is_valid;
            record.fields.revision = verdict.event.revision;
            break;
    }
    return record;
}

}  // namespace ingest::plugins::sink_validator
