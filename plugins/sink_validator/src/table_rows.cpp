#include "table_rows.hpp"

#include "shared/pg/sink_tables.hpp"

namespace ingest::plugins::sink_validator {

namespace pg = shared::pg;

std::string events_select_list() {
    return pg::cast_column_list(pg::kEventsColumns, pg::kEventsWrittenColumns);
}

TableRow decode_event_row(std::span<const CopyField> fields) {
    if (fields.size() != pg::kEventsWrittenColumns)
        throw CopyFormatError("expected " + std::to_string(pg::kEventsWrittenColumns) +
                              " columns, got " + std::to_string(fields.size()));
    auto name = [](pg::EventsColumn column) { return pg::kEventsColumns[column].name.data(); };
    TableRow row;
    row.event_id = pg::copy_uuid(fields, pg::kEventId, name(pg::kEventId));
    row.fields.user_id = std::string(pg::copy_field(fields, pg::kUserId, name(pg::kUserId)));
    row.fields.event_type = std::string(pg::copy_field(fields, pg::kEventType, name(pg::kEventType)));
    row.fields.event_time_us = pg::copy_timestamptz(fields, pg::kEventTime, name(pg::kEventTime));
    row.fields.received_time_us =
        pg::copy_timestamptz(fields, pg::kReceivedTime, name(pg::kReceivedTime));
    row.fields.is_valid = pg::copy_bool(fields, pg::kIsValid, name(pg::kIsValid));
    row.fields.revision = pg::copy_int4(fields, pg::kRevision, name(pg::kRevision));
    row.partition = pg::copy_int4(fields, pg::kKafkaPartition, name(pg::kKafkaPartition));
    row.offset = pg::copy_int8(fields, pg::kKafkaOffset, name(pg::kKafkaOffset));
    return row;
}

Uuid decode_uuid_row(std::span<const CopyField> fields) {
    if (fields.size() != 1)
        throw CopyFormatError("expected 1 column, got " + std::to_string(fields.size()));
    return pg::copy_uuid(fields, 0, "event_id");
}

}  // namespace ingest::plugins::sink_validator
