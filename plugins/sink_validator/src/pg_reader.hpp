// The validator's only contact with PostgreSQL: read the sink's stored offsets, and stream the
// events and deletions tables (binary COPY, one snapshot) into callbacks. Read-only. The tables'
// shape is the sink's declaration (shared/pg/sink_tables.hpp); only their names come from the
// validator's config.
#pragma once

#include "reconcile.hpp"
#include "shared/pg/binary_copy.hpp"
#include "shared/pg/connection.hpp"
#include "shared/pg/connection_params.hpp"
#include "shared/pg/sink_tables.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace ingest::plugins::sink_validator {

class DatabaseError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

class PgReader {
   public:
    PgReader(std::string dsn, shared::pg::TableNames tables);
    ~PgReader();
    PgReader(const PgReader&) = delete;
    PgReader& operator=(const PgReader&) = delete;

    // partition → next offset the sink stored for (connector, topic). Throws DatabaseError.
    std::map<int32_t, int64_t> sink_offsets(const std::string& connector, const std::string& topic);

    // Every row of both tables, read in one repeatable-read snapshot. Throws DatabaseError (the
    // callbacks may then have seen part of the data).
    void read_tables(const std::function<void(const TableRow&)>& on_row,
                     const std::function<void(const Uuid&)>& on_deletion);

   private:
    shared::pg::PgConnection& connection();
    const shared::pg::QuotedTables& quoted();
    void copy_out(const std::string& sql, const shared::pg::CopyTupleFn& on_tuple);

    shared::pg::ConnectionSettings settings_;
    std::string display_dsn_;
    shared::pg::TableNames tables_;
    std::unique_ptr<shared::pg::PgConnection> connection_;
    std::unique_ptr<shared::pg::QuotedTables> quoted_;
};

}  // namespace ingest::plugins::sink_validator
