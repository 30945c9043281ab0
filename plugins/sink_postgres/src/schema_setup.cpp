#include "schema_setup.hpp"

#include "lock_key.hpp"

#include <ingest/sdk.hpp>

#include <algorithm>
#include <optional>

namespace ingest::plugins::sink_postgres {
namespace {

// relkind of a relation ('r' table, 'p' partitioned table, ...), or nullopt when missing.
std::optional<char> relation_kind(PgConnection& conn, const std::string& quoted_name) {
    PgResult result = conn.query("SELECT c.relkind FROM pg_catalog.pg_class c"
                                 " WHERE c.oid = pg_catalog.to_regclass($1)",
                                 {{quoted_name}});
    if (PQntuples(result.get()) == 0) return std::nullopt;
    return PQgetvalue(result.get(), 0, 0)[0];
}

bool schema_exists(PgConnection& conn, const std::string& schema) {
    PgResult result =
        conn.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", {{schema}});
    return PQntuples(result.get()) > 0;
}

struct Wanted {
    const std::string& name;
    std::string ddl;
};

std::vector<Wanted> wanted_tables(const QuotedTables& t) {
    std::vector<Wanted> wanted;
    // Indexes only with a table we create: an existing table's indexes are its owner's choice.
    wanted.push_back({t.events, shared::pg::events_table_ddl(t)});
    if (t.names.partitioning == Partitioning::Daily)
        wanted.push_back({t.keys, shared::pg::keys_table_ddl(t)});
    wanted.push_back({t.deletions, shared::pg::deletions_table_ddl(t)});
    wanted.push_back({t.offsets, shared::pg::offsets_table_ddl(t)});
    return wanted;
}

// What an offsets table that exists lacks for fencing (sql_text.hpp: kEpochColumn).
struct OffsetsUpgrade {
    bool add_epoch = false;
    bool drop_not_null = false;  // next_offset NOT NULL: a claim could not store "no offset"
    bool needed() const { return add_epoch || drop_not_null; }
};

OffsetsUpgrade offsets_upgrade(PgConnection& conn, const std::string& quoted_offsets) {
    PgResult result = conn.query("SELECT a.attname, a.attnotnull FROM pg_catalog.pg_attribute a"
                                 " WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0"
                                 " AND NOT a.attisdropped AND a.attname IN ('next_offset', $2)",
                                 {{quoted_offsets}, {kEpochColumn}});
    OffsetsUpgrade upgrade{.add_epoch = true};
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        const std::string_view name = PQgetvalue(result.get(), row, 0);
        const bool not_null = PQgetvalue(result.get(), row, 1)[0] == 't';
        if (name == kEpochColumn) upgrade.add_epoch = false;
        // A missing next_offset is reported by the statements that use it (42703, with the layout).
        else upgrade.drop_not_null = not_null;
    }
    return upgrade;
}

void check_partitioning(const QuotedTables& t, char events_kind) {
    const bool daily = t.names.partitioning == Partitioning::Daily;
    if (daily && events_kind != 'p')
        throw sdk::FatalError("table " + t.events +
                              " exists but is not partitioned, while partitioning=daily");
    if (!daily && events_kind == 'p')
        throw sdk::FatalError("table " + t.events +
                              " is partitioned; set partitioning=daily to write to it");
}

}  // namespace

std::vector<std::string> ensure_schema(PgConnection& conn, const QuotedTables& tables,
                                       bool auto_create, WriteStep& step) {
    std::vector<std::string> created;
    // Checked before creating anything: CREATE ... IF NOT EXISTS would demand CREATE privileges
    // even when everything exists, and the sink may run with a role that only writes rows.
    std::vector<const Wanted*> missing;
    const std::vector<Wanted> wanted = wanted_tables(tables);
    for (const Wanted& table : wanted) {
        const std::optional<char> kind = relation_kind(conn, table.name);
        if (!kind) missing.push_back(&table);
        else if (&table.name == &tables.events) check_partitioning(tables, *kind);
    }
    const bool offsets_exist =
        std::none_of(missing.begin(), missing.end(), [&](const Wanted* table) { return &table->name == &tables.offsets; });
    OffsetsUpgrade upgrade = offsets_exist ? offsets_upgrade(conn, tables.offsets) : OffsetsUpgrade{};
    if (missing.empty() && !upgrade.needed()) return created;
    if (!auto_create && !missing.empty())
        throw sdk::FatalError("table " + missing.front()->name +
                              " does not exist and auto.create is false");
    if (!auto_create)
        throw sdk::FatalError("table " + tables.offsets + " lacks what fencing needs (issue 14) and auto.create is false: "
                              "run `" + offsets_upgrade_ddl(tables, upgrade.add_epoch, upgrade.drop_not_null) +
                              "` as the table's owner, or restart with auto.create=true");

    // One creator at a time: concurrent CREATE TABLE IF NOT EXISTS can still collide in the
    // catalog, so tasks starting together serialize here and re-check under the lock.
    conn.run("BEGIN");
    const std::string lock_text = "ingest.sink_postgres.ddl|" + tables.events;
    const std::string lock_key = std::to_string(advisory_lock_key(lock_text));
    conn.query("SELECT pg_advisory_xact_lock($1::int8)", {{lock_key}});
    if (!schema_exists(conn, tables.names.schema)) {
        conn.run("CREATE SCHEMA " + tables.schema);
        created.push_back(tables.schema);
    }
    for (const Wanted* table : missing) {
        if (relation_kind(conn, table->name)) continue;
        conn.run(table->ddl);
        created.push_back(table->name);
    }
    // The offsets table, created just now (shared::pg's layout) or by an older version, gets the
    // sink's epoch column; re-checked under the lock, as another task may have upgraded it.
    upgrade = offsets_upgrade(conn, tables.offsets);
    if (upgrade.needed()) {
        step = WriteStep::UpgradingOffsets;
        conn.run(offsets_upgrade_ddl(tables, upgrade.add_epoch, upgrade.drop_not_null));
        // Only an existing table's upgrade is news: a new one was listed above.
        if (std::find(created.begin(), created.end(), tables.offsets) == created.end())
            created.push_back(std::string("column ") + kEpochColumn + " of " + tables.offsets);
        step = WriteStep::CreatingTables;
    }
    conn.run("COMMIT");
    return created;
}

}  // namespace ingest::plugins::sink_postgres
