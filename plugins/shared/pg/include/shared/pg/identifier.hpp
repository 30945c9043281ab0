// The one place SQL identifiers are quoted. Values never go into SQL text: they travel as
// statement parameters or COPY data.
#pragma once

#include <libpq-fe.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::plugins::shared::pg {

// PostgreSQL keeps NAMEDATALEN - 1 = 63 bytes of an identifier and cuts longer ones with a NOTICE
// at most: two long names that share their first 63 bytes would name one table.
inline constexpr size_t kMaxIdentifierBytes = 63;

// Why `name` cannot name a table or schema exactly as written: empty, holding a NUL byte (libpq's
// quoting stops at the first one), or longer than kMaxIdentifierBytes. Plugins check their
// identifier keys with it when they validate a config.
std::optional<std::string> identifier_problem(std::string_view name);

// `name` as a quoted identifier (PQescapeIdentifier, with the connection's encoding rules).
// Throws std::invalid_argument naming the identifier when it has an identifier_problem or libpq
// refuses it: an identifier is never cut short on its way to the server.
std::string quote_identifier(PGconn* conn, std::string_view name);

// "schema"."name"
std::string qualified_name(PGconn* conn, std::string_view schema, std::string_view name);

}  // namespace ingest::plugins::shared::pg
