#include "shared/pg/connection_params.hpp"

#include <libpq-fe.h>

#include <memory>

namespace ingest::plugins::shared::pg {

ConnectParams connect_params(const ConnectionSettings& settings, std::string& storage) {
    storage = std::to_string(settings.connect_timeout_s);
    ConnectParams params;
    params.keywords = {"sslmode", "application_name", "connect_timeout", "dbname", nullptr};
    params.values = {settings.sslmode.c_str(), settings.application_name.c_str(), storage.c_str(),
                     settings.dsn.c_str(), nullptr};
    return params;
}

namespace {

// libpq quotes the offending token of a bad connection string, which may be a password; tokens
// longer than one character (the one-character ones are its punctuation, like "=") are hidden.
std::string without_quoted_tokens(std::string message) {
    std::string result;
    size_t pos = 0;
    while (pos < message.size()) {
        const size_t open = message.find('"', pos);
        const size_t close = open == std::string::npos ? open : message.find('"', open + 1);
        if (close == std::string::npos) {
            result.append(message, pos, std::string::npos);
            break;
        }
        result.append(message, pos, open - pos);
        result += close - open - 1 > 1 ? std::string("\"...\"") : message.substr(open, close - open + 1);
        pos = close + 1;
    }
    while (!result.empty() && result.back() == '\n') result.pop_back();
    return result;
}

}  // namespace

std::string masked_dsn(const std::string& dsn) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(dsn.c_str(), &error), &PQconninfoFree);
    if (!options) {
        std::string reason = without_quoted_tokens(error ? error : "out of memory");
        PQfreemem(error);
        return "<unparsable DSN: " + reason + ">";
    }
    std::string text;
    for (const PQconninfoOption* option = options.get(); option->keyword; ++option) {
        if (!option->val) continue;
        if (!text.empty()) text += ' ';
        const std::string keyword = option->keyword;
        text += keyword + '=' + (keyword == "password" ? std::string("****") : option->val);
    }
    return text;
}

}  // namespace ingest::plugins::shared::pg
