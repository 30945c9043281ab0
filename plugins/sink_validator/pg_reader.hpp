// The validator's only contact with PostgreSQL: read the sink's stored offsets, and stream the
// events and deletions tables (binary COPY, one snapshot) into callbacks. Read-only.
#pragma once

#include "core/reconcile.hpp"
#include "core/uuid.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct pg_conn;

namespace ingest::validator {

class DatabaseError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

struct QualifiedName {
    std::string schema;
    std::string table;
};

class PgReader {
   public:
    explicit PgReader(std::string dsn) : dsn_(std::move(dsn)) {}
    ~PgReader();
    PgReader(const PgReader&) = delete;
    PgReader& operator=(const PgReader&) = delete;

    // partition → next offset the sink stored for (connector, topic). Throws DatabaseError.
    std::map<int32_t, int64_t> sink_offsets(const QualifiedName& offsets_table,
                                            const std::string& connector,
                                            const std::string& topic);

    // Every row of both tables, read in one repeatable-read snapshot. Throws DatabaseError (the
    // callbacks may then have seen part of the data).
    void read_tables(const QualifiedName& events, const QualifiedName& deletions,
                     const std::function<void(const TableRow&)>& on_row,
                     const std::function<void(const Uuid&)>& on_deletion);

   private:
    pg_conn* connection();
    void disconnect();
    void execute(const std::string& sql);
    std::string quote(const QualifiedName& name);
    // Runs a COPY ... TO STDOUT (FORMAT binary) and hands out its tuples.
    using TupleFn = std::function<void(std::span<const std::optional<std::string_view>>)>;
    void copy_out(const std::string& sql, const TupleFn& on_tuple);

    std::string dsn_;
    pg_conn* connection_ = nullptr;
};

}  // namespace ingest::validator
