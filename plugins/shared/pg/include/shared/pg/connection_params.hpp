// How a plugin connects: the DSN from its config plus the plugin's own defaults, and a version of
// the DSN that is safe to print.
#pragma once

#include <string>
#include <vector>

namespace ingest::plugins::shared::pg {

struct ConnectionSettings {
    std::string dsn;               // libpq key=value string or postgresql:// URI
    std::string sslmode;           // applies unless the DSN names its own sslmode
    std::string application_name;  // likewise
    int connect_timeout_s = 10;    // likewise
};

// Keyword/value arrays for PQconnectdbParams (expand_dbname = 1), NULL-terminated. The plugin's
// defaults come first so that the DSN, expanded afterwards, overrides them: the DSN plays the
// role libpq gives to a connection string over PG* environment variables. The arrays point into
// `settings` and `storage`.
struct ConnectParams {
    std::vector<const char*> keywords;
    std::vector<const char*> values;
};
ConnectParams connect_params(const ConnectionSettings& settings, std::string& storage);

// The DSN in key=value form with the password replaced by "****", for messages. A DSN libpq
// cannot parse yields "<unparsable DSN: reason>" without echoing its tokens (one may be a password).
std::string masked_dsn(const std::string& dsn);

}  // namespace ingest::plugins::shared::pg
