// Makes sure the sink's tables exist (auto.create) or reports the missing one, that the events
// table's shape matches the configured partitioning, and that the offsets table has the epoch
// column fencing needs (auto.create adds it to a table of an older version, and lets next_offset
// be NULL; see sql_text.hpp).
#pragma once

#include "error_advice.hpp"
#include "sql_text.hpp"

#include <string>
#include <vector>

namespace ingest::plugins::sink_postgres {

// Returns the qualified names of the objects it created (and "column epoch of <offsets>" for an
// upgrade). Throws sdk::FatalError for a missing table or an offsets table without the epoch
// column when `auto_create` is false, or a partitioning mismatch; PgError for database errors,
// with `step` (CreatingTables or UpgradingOffsets) saying what it was doing.
std::vector<std::string> ensure_schema(PgConnection& conn, const QuotedTables& tables,
                                       bool auto_create, WriteStep& step);

}  // namespace ingest::plugins::sink_postgres
