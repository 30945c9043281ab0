#include "own_keys.hpp"

#include "shared/pg/binary_copy.hpp"

#include <vector>

namespace ingest::plugins::sink_postgres {
namespace {

// $1 text[]: the tables' quoted names; rows (schema, constraint name). The tables' primary keys,
// then recursively every constraint cloned from one of them: a partition's primary key has
// pg_constraint.conparentid set to its partitioned table's (PostgreSQL 11+), at any depth of
// sub-partitioning. A name that names no table yields NULL (to_regclass) and no row.
constexpr const char* kQuery =
    "WITH RECURSIVE own(oid) AS ("
    " SELECT c.oid FROM pg_catalog.pg_constraint c"
    " WHERE c.contype = 'p' AND c.conrelid IN"
    " (SELECT pg_catalog.to_regclass(t)::oid FROM pg_catalog.unnest($1::text[]) AS t)"
    " UNION ALL"
    " SELECT c.oid FROM pg_catalog.pg_constraint c JOIN own ON c.conparentid = own.oid)"
    " SELECT n.nspname, c.conname FROM own"
    " JOIN pg_catalog.pg_constraint c ON c.oid = own.oid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace";

}  // namespace

void OwnKeys::load(PgConnection& conn, const QuotedTables& tables) {
    std::vector<const std::string*> names = {&tables.events, &tables.deletions, &tables.offsets};
    if (tables.names.partitioning == Partitioning::Daily) names.push_back(&tables.keys);
    std::string array;
    shared::pg::BinaryArray quoted(array, shared::pg::pg_oid::kText, static_cast<int32_t>(names.size()));
    for (const std::string* name : names) quoted.writer().text(*name);

    PgResult result = conn.query(kQuery, {{array, true}});
    std::set<ConstraintName> keys;
    for (int row = 0; row < PQntuples(result.get()); ++row)
        keys.insert({PQgetvalue(result.get(), row, 0), PQgetvalue(result.get(), row, 1)});
    keys_ = std::move(keys);
}

}  // namespace ingest::plugins::sink_postgres
