// The one place SQL identifiers are quoted. Values never go into SQL text: they travel as
// statement parameters or COPY data.
#pragma once

#include <libpq-fe.h>

#include <string>
#include <string_view>

namespace ingest::plugins::shared::pg {

// `name` as a quoted identifier (PQescapeIdentifier, with the connection's encoding rules).
// Throws std::invalid_argument naming the identifier when libpq refuses it.
std::string quote_identifier(PGconn* conn, std::string_view name);

// "schema"."name"
std::string qualified_name(PGconn* conn, std::string_view schema, std::string_view name);

}  // namespace ingest::plugins::shared::pg
