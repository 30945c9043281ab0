// A thin RAII layer over one libpq connection: results freed, errors thrown as PgError carrying
// the SQLSTATE and the violated constraint, so that callers can classify them (retriable or not,
// whose constraint).
#pragma once

#include <libpq-fe.h>

#include <compare>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::shared::pg {

// A constraint (or unique index) as an integrity error names it: PG_DIAG_SCHEMA_NAME, the schema
// of the table it constrains and so its own, and PG_DIAG_CONSTRAINT_NAME. Names of indexes, and so
// of the unique and primary-key constraints a unique violation names, are unique per schema.
struct ConstraintName {
    std::string schema;
    std::string name;

    auto operator<=>(const ConstraintName&) const = default;
};

class PgError : public std::runtime_error {
   public:
    PgError(std::string message, std::string sqlstate, bool connection_lost, ConstraintName constraint = {})
        : std::runtime_error(std::move(message)),
          sqlstate_(std::move(sqlstate)),
          connection_lost_(connection_lost),
          constraint_(std::move(constraint)) {}

    const std::string& sqlstate() const { return sqlstate_; }
    bool connection_lost() const { return connection_lost_; }
    // The violated constraint or unique index, for the errors the server names one with (class
    // 23 mostly); empty otherwise.
    const ConstraintName& constraint() const { return constraint_; }

   private:
    std::string sqlstate_;
    bool connection_lost_;
    ConstraintName constraint_;
};

struct PgResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// One statement parameter. Binary parameters carry the type's wire format (binary_copy.hpp).
struct PgParam {
    std::string_view value;
    bool binary = false;
};

class PgConnection {
   public:
    // `keywords`/`values` as for PQconnectdbParams with expand_dbname; throws PgError with
    // `what` and the (masked) `display_dsn` in the message.
    PgConnection(const std::vector<const char*>& keywords, const std::vector<const char*>& values,
                 const std::string& display_dsn);
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    PGconn* raw() const { return conn_.get(); }
    bool healthy() const { return PQstatus(conn_.get()) == CONNECTION_OK; }

    // Runs SQL without parameters (several statements allowed); for commands whose result
    // is not needed.
    void run(const std::string& sql);
    void prepare(const std::string& name, const std::string& sql);
    // `binary_result`: all result columns in binary format.
    PgResult execute(const std::string& name, const std::vector<PgParam>& params,
                     bool binary_result = false);
    PgResult query(const std::string& sql, const std::vector<PgParam>& params);
    // COPY ... FROM STDIN with `data` already in the format the command names.
    void copy_in(const std::string& command, std::string_view data);
    // COPY ... TO STDOUT: hands every chunk libpq returns (one row each in practice) to
    // `on_data`, which may throw; the connection is then closed (its state cannot be trusted).
    void copy_out(const std::string& command, const std::function<void(std::string_view)>& on_data);

    // Leaves any transaction; errors are swallowed (the caller is already handling one).
    void rollback_quietly() noexcept;

   private:
    // Throws unless `result` has `expected` status.
    PgResult check(PGresult* result, ExecStatusType expected, std::string_view what);
    [[noreturn]] void throw_connection_error(std::string_view what);
    // Lays `params` out in the arrays libpq takes (reused across calls).
    void bind(const std::vector<PgParam>& params);

    struct ConnDeleter {
        void operator()(PGconn* conn) const { PQfinish(conn); }
    };
    std::unique_ptr<PGconn, ConnDeleter> conn_;
    std::vector<const char*> param_values_;
    std::vector<int> param_lengths_;
    std::vector<int> param_formats_;
};

}  // namespace ingest::plugins::shared::pg
