#include "pg_reader.hpp"

#include "core/copy_binary.hpp"

#include <libpq-fe.h>

#include <memory>

namespace ingest::validator {
namespace {

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// libpq's messages span lines (hints are tab-indented); verdicts and logs are one line each.
std::string server_message(PGconn* connection) {
    std::string message;
    bool pending_space = false;
    for (const char* c = PQerrorMessage(connection); *c; ++c) {
        if (*c == '\n' || *c == '\t' || *c == ' ') {
            pending_space = !message.empty();
            continue;
        }
        if (pending_space) message += ' ';
        pending_space = false;
        message += *c;
    }
    return message;
}

}  // namespace

PgReader::~PgReader() { disconnect(); }

void PgReader::disconnect() {
    if (connection_) PQfinish(connection_);
    connection_ = nullptr;
}

PGconn* PgReader::connection() {
    if (connection_ && PQstatus(connection_) == CONNECTION_OK) return connection_;
    disconnect();
    // The DSN comes last so that its own settings win over these defaults.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"10", "ingest-validator", dsn_.c_str(), nullptr};
    connection_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (!connection_ || PQstatus(connection_) != CONNECTION_OK) {
        std::string message = connection_ ? server_message(connection_) : "out of memory";
        disconnect();
        throw DatabaseError("cannot connect to PostgreSQL: " + message);
    }
    return connection_;
}

std::string PgReader::quote(const QualifiedName& name) {
    PGconn* conn = connection();
    std::string quoted;
    for (const std::string* part : {&name.schema, &name.table}) {
        char* escaped = PQescapeIdentifier(conn, part->c_str(), part->size());
        if (!escaped) throw DatabaseError("cannot quote identifier '" + *part + "': " + server_message(conn));
        if (!quoted.empty()) quoted += '.';
        quoted += escaped;
        PQfreemem(escaped);
    }
    return quoted;
}

void PgReader::execute(const std::string& sql) {
    Result result(PQexec(connection(), sql.c_str()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
        throw DatabaseError(sql + ": " + server_message(connection_));
}

std::map<int32_t, int64_t> PgReader::sink_offsets(const QualifiedName& offsets_table,
                                                  const std::string& connector,
                                                  const std::string& topic) {
    const std::string sql = "SELECT kafka_partition::bigint, next_offset::bigint FROM " +
                            quote(offsets_table) + " WHERE connector = $1 AND topic = $2";
    const char* params[] = {connector.c_str(), topic.c_str()};
    Result result(PQexecParams(connection(), sql.c_str(), 2, nullptr, params, nullptr, nullptr, 0));
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
        throw DatabaseError("reading the sink's offsets from " + offsets_table.schema + "." +
                            offsets_table.table + ": " + server_message(connection_));
    std::map<int32_t, int64_t> offsets;
    for (int row = 0; row < PQntuples(result.get()); ++row)
        offsets[static_cast<int32_t>(std::stoll(PQgetvalue(result.get(), row, 0)))] =
            std::stoll(PQgetvalue(result.get(), row, 1));
    return offsets;
}

void PgReader::copy_out(const std::string& sql, const TupleFn& on_tuple) {
    PGconn* conn = connection();
    Result started(PQexec(conn, sql.c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_OUT)
        throw DatabaseError(sql + ": " + server_message(conn));

    CopyBinaryParser parser;
    for (;;) {
        char* buffer = nullptr;
        const int size = PQgetCopyData(conn, &buffer, /*async=*/0);
        if (size > 0) {
            std::unique_ptr<char, decltype(&PQfreemem)> owned(buffer, &PQfreemem);
            try {
                parser.feed(std::string_view(buffer, static_cast<size_t>(size)), on_tuple);
            } catch (const CopyFormatError& error) {
                // Leave the connection in a state nobody can trust; the next call reconnects.
                disconnect();
                throw DatabaseError(sql + ": " + error.what());
            }
            continue;
        }
        if (size == -2) throw DatabaseError(sql + ": " + server_message(conn));
        break;  // -1: the copy is done
    }
    Result finished(PQgetResult(conn));
    if (PQresultStatus(finished.get()) != PGRES_COMMAND_OK)
        throw DatabaseError(sql + ": " + server_message(conn));
    while (Result(PQgetResult(conn))) {
    }
    if (!parser.finished()) throw DatabaseError(sql + ": the COPY stream ended early");
}

void PgReader::read_tables(const QualifiedName& events, const QualifiedName& deletions,
                           const std::function<void(const TableRow&)>& on_row,
                           const std::function<void(const Uuid&)>& on_deletion) {
    const std::string events_sql = "COPY (SELECT " + std::string(kEventColumns) + " FROM " +
                                   quote(events) + ") TO STDOUT (FORMAT binary)";
    const std::string deletions_sql = "COPY (SELECT event_id::uuid FROM " + quote(deletions) +
                                      ") TO STDOUT (FORMAT binary)";
    try {
        execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        copy_out(events_sql, [&](std::span<const CopyField> fields) {
            on_row(decode_event_row(fields));
        });
        copy_out(deletions_sql, [&](std::span<const CopyField> fields) {
            on_deletion(decode_uuid_row(fields));
        });
        execute("COMMIT");
    } catch (const CopyFormatError& error) {
        disconnect();
        throw DatabaseError(error.what());
    } catch (const DatabaseError&) {
        // A failed transaction poisons the session; start the next attempt on a fresh one.
        disconnect();
        throw;
    }
}

}  // namespace ingest::validator
