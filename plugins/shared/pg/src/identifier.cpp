#include "shared/pg/identifier.hpp"

#include <memory>
#include <stdexcept>

namespace ingest::plugins::shared::pg {

std::string quote_identifier(PGconn* conn, std::string_view name) {
    std::unique_ptr<char, decltype(&PQfreemem)> quoted(
        PQescapeIdentifier(conn, name.data(), name.size()), &PQfreemem);
    if (!quoted) {
        std::string reason = conn ? PQerrorMessage(conn) : "no connection";
        while (!reason.empty() && reason.back() == '\n') reason.pop_back();
        throw std::invalid_argument("cannot quote SQL identifier '" + std::string(name) +
                                    "': " + reason);
    }
    return quoted.get();
}

std::string qualified_name(PGconn* conn, std::string_view schema, std::string_view name) {
    return quote_identifier(conn, schema) + "." + quote_identifier(conn, name);
}

}  // namespace ingest::plugins::shared::pg
