#include "shared/pg/identifier.hpp"

#include <memory>
#include <stdexcept>

namespace ingest::plugins::shared::pg {

std::optional<std::string> identifier_problem(std::string_view name) {
    if (name.empty()) return "an SQL identifier cannot be empty";
    if (name.find('\0') != std::string_view::npos) return "an SQL identifier cannot contain a NUL byte";
    if (name.size() > kMaxIdentifierBytes)
        return "is " + std::to_string(name.size()) + " bytes long; PostgreSQL identifiers hold at most " +
               std::to_string(kMaxIdentifierBytes) + " bytes and the server would silently cut it";
    return std::nullopt;
}

std::string quote_identifier(PGconn* conn, std::string_view name) {
    if (auto problem = identifier_problem(name)) {
        std::string shown(name.substr(0, 2 * kMaxIdentifierBytes));
        for (char& c : shown)
            if (c == '\0') c = '?';
        throw std::invalid_argument("cannot use SQL identifier '" + shown + (name.size() > shown.size() ? "...'" : "'") +
                                    ": " + *problem);
    }
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
