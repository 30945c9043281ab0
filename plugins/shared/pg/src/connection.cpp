#include "shared/pg/connection.hpp"

namespace ingest::plugins::shared::pg {
namespace {

std::string trimmed(const char* text) {
    std::string message = text ? text : "";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return message;
}

std::string error_field(const PGresult* result, int field) {
    const char* value = PQresultErrorField(result, field);
    return value ? value : "";
}

}  // namespace

PgConnection::PgConnection(const std::vector<const char*>& keywords,
                           const std::vector<const char*>& values, const std::string& display_dsn)
    : conn_(PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1)) {
    if (!conn_) throw PgError("cannot allocate a PostgreSQL connection", "", true);
    // NOTICEs ("relation already exists, skipping") would go to stderr, outside the runner's log.
    PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw PgError("cannot connect to PostgreSQL at '" + display_dsn +
                          "': " + trimmed(PQerrorMessage(conn_.get())),
                      "08001", true);
}

void PgConnection::run(const std::string& sql) {
    check(PQexec(conn_.get(), sql.c_str()), PGRES_COMMAND_OK, sql);
}

void PgConnection::prepare(const std::string& name, const std::string& sql) {
    check(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr), PGRES_COMMAND_OK,
          "preparing " + name);
}

void PgConnection::bind(const std::vector<PgParam>& params) {
    param_values_.clear();
    param_lengths_.clear();
    param_formats_.clear();
    for (const PgParam& param : params) {
        param_values_.push_back(param.value.data());
        param_lengths_.push_back(static_cast<int>(param.value.size()));
        param_formats_.push_back(param.binary ? 1 : 0);
    }
}

PgResult PgConnection::execute(const std::string& name, const std::vector<PgParam>& params,
                               bool binary_result) {
    bind(params);
    // Text parameters must be NUL-terminated; callers pass views of std::string or literals.
    PGresult* result = PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(params.size()),
                                      param_values_.data(), param_lengths_.data(),
                                      param_formats_.data(), binary_result ? 1 : 0);
    const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    return check(result, status == PGRES_TUPLES_OK ? PGRES_TUPLES_OK : PGRES_COMMAND_OK, name);
}

PgResult PgConnection::query(const std::string& sql, const std::vector<PgParam>& params) {
    bind(params);
    return check(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                              param_values_.data(), param_lengths_.data(), param_formats_.data(), 0),
                 PGRES_TUPLES_OK, sql);
}

void PgConnection::copy_in(const std::string& command, std::string_view data) {
    check(PQexec(conn_.get(), command.c_str()), PGRES_COPY_IN, command);
    if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(conn_.get(), nullptr) != 1)
        throw_connection_error(command);
    PGresult* outcome = PQgetResult(conn_.get());
    // libpq wants every result read before the next command, error or not.
    while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
    check(outcome, PGRES_COMMAND_OK, command);
}

void PgConnection::copy_out(const std::string& command,
                            const std::function<void(std::string_view)>& on_data) {
    check(PQexec(conn_.get(), command.c_str()), PGRES_COPY_OUT, command);
    for (;;) {
        char* buffer = nullptr;
        const int size = PQgetCopyData(conn_.get(), &buffer, /*async=*/0);
        if (size == -1) break;  // the copy is done
        if (size < 0) throw_connection_error(command);
        std::unique_ptr<char, decltype(&PQfreemem)> owned(buffer, &PQfreemem);
        try {
            on_data(std::string_view(buffer, static_cast<size_t>(size)));
        } catch (...) {
            conn_.reset();
            throw;
        }
    }
    PGresult* outcome = PQgetResult(conn_.get());
    while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
    check(outcome, PGRES_COMMAND_OK, command);
}

void PgConnection::rollback_quietly() noexcept {
    if (!healthy()) return;
    if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return;
    PQclear(PQexec(conn_.get(), "ROLLBACK"));
}

PgResult PgConnection::check(PGresult* raw_result, ExecStatusType expected, std::string_view what) {
    PgResult result(raw_result);
    if (result && PQresultStatus(result.get()) == expected) return result;
    if (!result || PQresultStatus(result.get()) != PGRES_FATAL_ERROR) {
        if (!healthy() || !result) throw_connection_error(what);
        throw PgError("unexpected result " + std::string(PQresStatus(PQresultStatus(result.get()))) +
                          " from " + std::string(what),
                      "", false);
    }
    std::string sqlstate = error_field(result.get(), PG_DIAG_SQLSTATE);
    if (sqlstate.empty()) throw_connection_error(what);
    std::string message = "SQLSTATE " + sqlstate + ": " + error_field(result.get(), PG_DIAG_MESSAGE_PRIMARY);
    if (std::string detail = error_field(result.get(), PG_DIAG_MESSAGE_DETAIL); !detail.empty())
        message += " (" + detail + ")";
    throw PgError(std::move(message), std::move(sqlstate), !healthy(),
                  {error_field(result.get(), PG_DIAG_SCHEMA_NAME), error_field(result.get(), PG_DIAG_CONSTRAINT_NAME)});
}

void PgConnection::throw_connection_error(std::string_view what) {
    // No server reply: libpq's own message says why (connection lost, out of memory, ...).
    // Reported as SQLSTATE 08006 (connection failure) when the connection is gone.
    const bool lost = !healthy();
    throw PgError(std::string(lost ? "connection to PostgreSQL lost during " : "libpq error during ") +
                      std::string(what.substr(0, 80)) + ": " + trimmed(PQerrorMessage(conn_.get())),
                  lost ? "08006" : "", lost);
}

}  // namespace ingest::plugins::shared::pg
