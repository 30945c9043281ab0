#include "sql_text.hpp"


namespace ingest::plugins::sink_postgres {

using shared::pg::column_list;

std::string offsets_upgrade_ddl(const QuotedTables& t, bool add_epoch, bool drop_not_null) {
    std::string ddl = "ALTER TABLE " + t.offsets;
    if (add_epoch)
        ddl += std::string(" ADD COLUMN IF NOT EXISTS ") + kEpochColumn + " " + kEpochColumnType + " NOT NULL DEFAULT 0";
    if (add_epoch && drop_not_null) ddl += ",";
    if (drop_not_null) ddl += " ALTER COLUMN next_offset DROP NOT NULL";
    return ddl;
}

SqlText::SqlText(const QuotedTables& t) {
    const bool daily = t.names.partitioning == Partitioning::Daily;
    // Where a prior revision lives: the events row itself, or the keys table when partitioned.
    const std::string& current = daily ? t.keys : t.events;

    lock_partition = "SELECT pg_advisory_xact_lock($1::int8)";
    read_offset = "SELECT next_offset, epoch FROM " + t.offsets +
                  " WHERE connector = $1 AND topic = $2 AND kafka_partition = $3::int4";
    // A new row's updated_at is when it was claimed; a claim leaves an existing row's alone
    // (it says when its offset was saved).
    claim_partition = "INSERT INTO " + t.offsets +
                      " AS o (connector, topic, kafka_partition, next_offset, epoch, updated_at)"
                      " VALUES ($1, $2, $3::int4, NULL, 1, clock_timestamp())"
                      " ON CONFLICT (connector, topic, kafka_partition)"
                      " DO UPDATE SET epoch = o.epoch + 1 RETURNING next_offset, epoch";
    // The offsets are saved last in a batch's transaction, so clock_timestamp() there is the
    // commit's time to within its flush; now() would be the transaction's start, a whole batch's
    // write earlier (scripts/bench measures the last commit by it).
    save_offset = "INSERT INTO " + t.offsets +
                  " AS o (connector, topic, kafka_partition, next_offset, updated_at)"
                  " VALUES ($1, $2, $3::int4, $4::int8, clock_timestamp())"
                  " ON CONFLICT (connector, topic, kafka_partition)"
                  " DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = EXCLUDED.updated_at";
    list_offsets = "SELECT topic, kafka_partition, next_offset FROM " + t.offsets +
                   " WHERE connector = $1 AND next_offset IS NOT NULL ORDER BY topic, kafka_partition";
    // The row goes, epoch and all: a reset happens while the connector is stopped (no task holds a
    // claim), and the next open() claims the partition afresh.
    forget_offset = "DELETE FROM " + t.offsets + " WHERE connector = $1 AND topic = $2 AND kafka_partition = $3::int4";
    // Two index scans with an array of keys each; a join against unnest() was planned as a hash
    // join over the whole table, or as a per-row nested loop several times slower than this.
    lookup = "SELECT event_id, revision, event_time, false FROM " + current +
             " WHERE event_id = ANY($1::uuid[])"
             " UNION ALL SELECT event_id, NULL, NULL, true FROM " + t.deletions +
             " WHERE event_id = ANY($1::uuid[])";
    mark_deleted = "INSERT INTO " + t.deletions +
                   " (event_id, kafka_partition, kafka_offset)"
                   " SELECT * FROM unnest($1::uuid[], $2::int4[], $3::int8[])"
                   " ON CONFLICT (event_id) DO NOTHING";
    // With daily partitions the old event_time names the partition, so rows are found by
    // (event_id, event_time), which is also the primary key there.
    delete_rows = daily ? "DELETE FROM " + t.events +
                              " AS e USING unnest($1::uuid[], $2::timestamptz[]) AS u(id, t)"
                              " WHERE e.event_id = u.id AND e.event_time = u.t"
                        : "DELETE FROM " + t.events + " WHERE event_id = ANY($1::uuid[])";
    update_rows = "UPDATE " + t.events +
                  " AS e SET user_id = u.user_id, event_type = u.event_type,"
                  " event_time = u.event_time, received_time = u.received_time,"
                  " is_valid = u.is_valid, revision = u.revision,"
                  " kafka_partition = u.kafka_partition, kafka_offset = u.kafka_offset,"
                  " ingested_at = now()"
                  " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[],"
                  " $5::timestamptz[], $6::bool[], $7::int4[], $8::int4[], $9::int8[]" +
                  std::string(daily ? ", $10::timestamptz[]" : "") +
                  ") AS u(event_id, user_id, event_type, event_time, received_time, is_valid,"
                  " revision, kafka_partition, kafka_offset" +
                  std::string(daily ? ", old_event_time" : "") +
                  ") WHERE e.event_id = u.event_id AND e.revision < u.revision" +
                  std::string(daily ? " AND e.event_time = u.old_event_time" : "");
    copy_rows = "COPY " + t.events + " (" +
                column_list(shared::pg::kEventsColumns, shared::pg::kEventsWrittenColumns) +
                ") FROM STDIN (FORMAT binary)";
    if (daily) {
        copy_keys = "COPY " + t.keys + " (" + column_list(shared::pg::kKeysColumns) +
                    ") FROM STDIN (FORMAT binary)";
        update_keys = "UPDATE " + t.keys +
                      " AS k SET event_time = u.t, revision = u.r"
                      " FROM unnest($1::uuid[], $2::timestamptz[], $3::int4[]) AS u(id, t, r)"
                      " WHERE k.event_id = u.id";
        delete_keys = "DELETE FROM " + t.keys + " WHERE event_id = ANY($1::uuid[])";
    }
}

}  // namespace ingest::plugins::sink_postgres
