// The sink's own unique keys: the primary keys of its events, deletions and offsets tables (and of
// the keys table and every partition of a daily-partitioned events table). A unique violation on
// one of them can only be another writer racing the sink outside its partition locks, which a
// retry resolves; on any other unique constraint or index, the user's, it is the record's data
// error (retry_policy.hpp). Read from the catalog in one query; daily partitions appear over time,
// so whoever meets a name not in the set reloads it before deciding (BatchWriter::classify).
#pragma once

#include "sql_text.hpp"

#include <set>

namespace ingest::plugins::sink_postgres {

using shared::pg::ConstraintName;

class OwnKeys {
   public:
    bool contains(const ConstraintName& constraint) const { return keys_.contains(constraint); }

    // Replaces the set with what the catalog holds now. Throws PgError; needs `conn` outside a
    // failed transaction (rolled back, or back to a savepoint).
    void load(PgConnection& conn, const QuotedTables& tables);

   private:
    std::set<ConstraintName> keys_;
};

}  // namespace ingest::plugins::sink_postgres
