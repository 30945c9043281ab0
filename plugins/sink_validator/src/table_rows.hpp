// The sink's tables as the validator reads them back: binary COPY tuples of the columns
// shared/pg/sink_tables.hpp declares, turned into rows to compare. Pure: no I/O.
#pragma once

#include "reconcile.hpp"
#include "shared/pg/binary_copy.hpp"

#include <span>
#include <string>

namespace ingest::plugins::sink_validator {

using shared::pg::CopyField;
using shared::pg::CopyFormatError;

// The select list of the events table's written columns, each cast to its declared type so that
// a table created by someone else with compatible types reads the same.
std::string events_select_list();

// One tuple of events_select_list(). Throws CopyFormatError on NULLs or wrong sizes.
TableRow decode_event_row(std::span<const CopyField> fields);
// One tuple of a single uuid column (the deletions table's event_id).
Uuid decode_uuid_row(std::span<const CopyField> fields);

}  // namespace ingest::plugins::sink_validator
