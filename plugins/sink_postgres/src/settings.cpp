#include "settings.hpp"

#include "daily_partitions.hpp"
#include "shared/pg/identifier.hpp"

namespace ingest::plugins::sink_postgres {

using shared::pg::Partitioning;

namespace {

shared::pg::TableNames table_names(const Keys& keys) {
    shared::pg::TableNames tables;
    tables.schema = keys.schema;
    tables.events = keys.table;
    tables.deletions = keys.deletions_table;
    tables.offsets = keys.offsets_table;
    tables.partitioning = keys.partitioning == "daily" ? Partitioning::Daily : Partitioning::None;
    return tables;
}

void dsn_parses(const Keys& keys, sdk::Problems& problems) {
    const std::string shown = shared::pg::masked_dsn(keys.dsn);
    if (!keys.dsn.empty() && shown.starts_with("<unparsable"))
        problems.push_back({"connection.dsn", "is not a libpq connection string or URI: " + shown});
}

void tables_distinct(const Keys& keys, sdk::Problems& problems) {
    const shared::pg::TableNames t = table_names(keys);
    if (t.events == t.deletions || t.events == t.offsets || t.deletions == t.offsets ||
        (t.partitioning == Partitioning::Daily && (t.keys_table() == t.deletions || t.keys_table() == t.offsets)))
        problems.push_back({"", "config keys 'table', 'deletions.table' and 'offsets.table' must name different tables"});
}

// Every name the sink creates or uses must reach PostgreSQL as written: a longer one would be cut
// to 63 bytes by the server without an error, and two tables could become one.
void identifiers_fit(const Keys& keys, sdk::Problems& problems) {
    const std::pair<const char*, const std::string*> named[] = {{"schema", &keys.schema},
                                                                {"table", &keys.table},
                                                                {"deletions.table", &keys.deletions_table},
                                                                {"offsets.table", &keys.offsets_table}};
    for (const auto& [key, name] : named)
        if (!name->empty())  // not_empty() reports those
            if (auto problem = shared::pg::identifier_problem(*name)) problems.push_back({key, *problem});
    if (keys.partitioning != "daily" || shared::pg::identifier_problem(keys.table)) return;
    // The names derived from `table`: its keys table and a partition per day.
    for (const std::string& derived : {table_names(keys).keys_table(), partition_name(keys.table, utc_day(0))})
        if (derived.size() > shared::pg::kMaxIdentifierBytes)
            problems.push_back({"table", "with partitioning=daily the sink also creates '" + derived + "' (" +
                                             std::to_string(derived.size()) + " bytes), longer than PostgreSQL's " +
                                             std::to_string(shared::pg::kMaxIdentifierBytes) +
                                             "-byte identifiers: use a shorter table name"});
}

void backoff_ordered(const Keys& keys, sdk::Problems& problems) {
    if (keys.retry_backoff_max_ms < keys.retry_backoff_ms)
        problems.push_back({"retry.backoff.max.ms", "must not be below retry.backoff.ms"});
}

}  // namespace

const sdk::ConfigDef<Keys> kConfig =
    sdk::ConfigDef<Keys>()
        .secret("connection.dsn", &Keys::dsn, sdk::required,
                "PostgreSQL connection string, libpq key=value or postgresql:// URI, e.g. "
                "${env:INGEST_PG_DSN}. Settings it names win over sslmode below.")
        .not_empty()
        .key("schema", &Keys::schema, shared::pg::kDefaultSchema, "Schema of the sink's tables.")
        .not_empty()
        .key("table", &Keys::table, shared::pg::kDefaultEventsTable, "Table the events land in.")
        .not_empty()
        .key("deletions.table", &Keys::deletions_table, shared::pg::kDefaultDeletionsTable,
             "Table remembering deleted event_ids, so that no later record resurrects them.")
        .not_empty()
        .key("offsets.table", &Keys::offsets_table, shared::pg::kDefaultOffsetsTable,
             "Table holding the next Kafka offset per connector, topic and partition, written in the same "
             "transaction as the rows (exactly-once).")
        .not_empty()
        .key("auto.create", &Keys::auto_create, true,
             "Create the schema, tables and indexes when missing. When false a missing table fails the connector.")
        .key("partitioning", &Keys::partitioning, "none",
             "'daily' partitions the events table by UTC day of event_time (partitions created on demand; "
             "event_id uniqueness kept in <table>_keys).")
        .one_of({"none", "daily"})
        .key("late.threshold.ms", &Keys::late_threshold_ms, 30000,
             "An event whose received_time is more than this after its event_time counts as a late arrival "
             "(accepted either way).")
        .at_least(0)
        .key("sslmode", &Keys::sslmode, "prefer", "libpq sslmode, used unless connection.dsn sets one.")
        .one_of({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
        .key("retry.max", &Keys::retry_max, 10,
             ("Retries of a batch on transient database errors (connection loss, deadlock, serialization "
              "failure, ...) before the task fails (FAILED, then restarted by the runner's errors.restart.* "
              "keys). A batch is written while the runner gathers the next one: put() first waits for the "
              "batch before it, at most " +
              std::to_string(kLongestWaitInPut.count() / 1000) +
              " s in all, and then hands its own batch back to the runner for redelivery, the retries still "
              "counted; it returns at once when the connector is stopping.")
                 .c_str())
        .between(0, 1000)
        .key("retry.backoff.ms", &Keys::retry_backoff_ms, 100, "First retry delay; doubles on every retry.")
        .at_least(1)
        .key("retry.backoff.max.ms", &Keys::retry_backoff_max_ms, 10000, "Cap of the retry delay.")
        .at_least(1)
        .key("writers", &Keys::writers, 2,
             "Connections (and threads) one task writes with. A batch's partitions are split into this many "
             "groups of about equal record counts (a partition is never split), each written with its "
             "partitions' offsets in a transaction of its own, all at once. 1 writes each batch in one "
             "transaction.")
        .between(1, 16)
        .rule(dsn_parses)
        .rule(tables_distinct)
        .rule(identifiers_fit)
        .rule(backoff_ordered);

Settings read_settings(const sdk::Config& config, std::string_view connector_name) {
    const Keys keys = kConfig.parse(config);
    Settings settings;
    settings.connection.dsn = keys.dsn;
    settings.connection.sslmode = keys.sslmode;
    settings.connection.application_name = "ingest/" + std::string(connector_name);
    settings.tables = table_names(keys);
    settings.auto_create = keys.auto_create;
    settings.late_threshold_us = keys.late_threshold_ms * 1000;
    settings.retry_max = keys.retry_max;
    settings.retry_backoff = std::chrono::milliseconds(keys.retry_backoff_ms);
    settings.retry_backoff_max = std::chrono::milliseconds(keys.retry_backoff_max_ms);
    settings.writers = keys.writers;
    return settings;
}

}  // namespace ingest::plugins::sink_postgres
