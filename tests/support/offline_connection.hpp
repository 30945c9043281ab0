// A libpq connection object that is never opened: PQescapeIdentifier needs a PGconn for its
// encoding rules, not a live server. Built from an unparsable conninfo, so it does no I/O.
#pragma once

#include <libpq-fe.h>

#include <memory>

namespace ingest::testing {

struct OfflineConnection {
    OfflineConnection() : conn(PQconnectStart("not a conninfo"), &PQfinish) {}
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn;
};

}  // namespace ingest::testing
