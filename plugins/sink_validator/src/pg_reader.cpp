#include "pg_reader.hpp"

#include "shared/pg/binary_copy.hpp"
#include "shared/pg/connection_params.hpp"
#include "table_rows.hpp"

namespace ingest::plugins::sink_validator {

namespace pg = shared::pg;

PgReader::PgReader(std::string dsn, pg::TableNames tables) : tables_(std::move(tables)) {
    settings_.dsn = std::move(dsn);
    settings_.sslmode = "prefer";
    settings_.application_name = "ingest-validator";
    display_dsn_ = pg::masked_dsn(settings_.dsn);
}

PgReader::~PgReader() = default;

pg::PgConnection& PgReader::connection() {
    if (connection_ && connection_->healthy()) return *connection_;
    connection_.reset();
    quoted_.reset();
    std::string storage;
    const pg::ConnectParams params = pg::connect_params(settings_, storage);
    try {
        connection_ = std::make_unique<pg::PgConnection>(params.keywords, params.values, display_dsn_);
    } catch (const pg::PgError& error) {
        throw DatabaseError(error.what());
    }
    return *connection_;
}

const pg::QuotedTables& PgReader::quoted() {
    pg::PgConnection& conn = connection();
    if (!quoted_) {
        try {
            quoted_ = std::make_unique<pg::QuotedTables>(conn.raw(), tables_);
        } catch (const std::invalid_argument& error) {
            throw DatabaseError(error.what());
        }
    }
    return *quoted_;
}

std::map<int32_t, int64_t> PgReader::sink_offsets(const std::string& connector,
                                                  const std::string& topic) {
    const std::string& offsets = quoted().offsets;
    try {
        pg::PgResult result = connection().query(
            "SELECT kafka_partition::bigint, next_offset::bigint FROM " + offsets +
                // A row without an offset is a partition a sink task claimed (its fencing epoch)
                // before it wrote anything: no stored offset yet.
                " WHERE connector = $1 AND topic = $2 AND next_offset IS NOT NULL",
            {{connector}, {topic}});
        std::map<int32_t, int64_t> stored;
        for (int row = 0; row < PQntuples(result.get()); ++row)
            stored[static_cast<int32_t>(std::stoll(PQgetvalue(result.get(), row, 0)))] =
                std::stoll(PQgetvalue(result.get(), row, 1));
        return stored;
    } catch (const pg::PgError& error) {
        throw DatabaseError("reading the sink's offsets from " + offsets + ": " + error.what());
    }
}

void PgReader::copy_out(const std::string& sql, const pg::CopyTupleFn& on_tuple) {
    pg::CopyBinaryReader reader;
    connection().copy_out(sql, [&](std::string_view data) { reader.feed(data, on_tuple); });
    if (!reader.finished()) throw DatabaseError(sql + ": the COPY stream ended early");
}

void PgReader::read_tables(const std::function<void(const TableRow&)>& on_row,
                           const std::function<void(const Uuid&)>& on_deletion) {
    const pg::QuotedTables& tables = quoted();
    const std::string events_sql = "COPY (SELECT " + events_select_list() + " FROM " +
                                   tables.events + ") TO STDOUT (FORMAT binary)";
    const std::string deletions_sql =
        "COPY (SELECT " + pg::cast_column_list(pg::kDeletionsColumns, 1) + " FROM " +
        tables.deletions + ") TO STDOUT (FORMAT binary)";
    try {
        pg::PgConnection& conn = connection();
        conn.run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        copy_out(events_sql, [&](std::span<const pg::CopyField> fields) {
            on_row(decode_event_row(fields));
        });
        copy_out(deletions_sql, [&](std::span<const pg::CopyField> fields) {
            on_deletion(decode_uuid_row(fields));
        });
        conn.run("COMMIT");
    } catch (const std::exception& error) {
        // A failed transaction or a stream nobody can trust: start the next attempt on a fresh
        // session.
        connection_.reset();
        quoted_.reset();
        if (dynamic_cast<const DatabaseError*>(&error)) throw;
        throw DatabaseError(error.what());
    }
}

}  // namespace ingest::plugins::sink_validator
