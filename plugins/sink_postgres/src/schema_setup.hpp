// Makes sure the sink's tables exist (auto.create) or reports the missing one, and that the
// events table's shape matches the configured partitioning.
#pragma once

#include "sql_text.hpp"

#include <string>
#include <vector>

namespace ingest::plugins::sink_postgres {

// Returns the qualified names of the objects it created. Throws sdk::FatalError for a missing
// table when `auto_create` is false or a partitioning mismatch; PgError for database errors.
std::vector<std::string> ensure_schema(PgConnection& conn, const QuotedTables& tables,
                                       bool auto_create);

}  // namespace ingest::plugins::sink_postgres
