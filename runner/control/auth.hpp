// The worker's API token: who may change connectors. Kept in a file (mode 0600) that the CLI and
// scripts read; given as `Authorization: Bearer <token>` or as the password of HTTP Basic auth (the
// habit of Kafka Connect's basic-auth extension, so `curl -u any:<token>` works).
#pragma once

#include <filesystem>
#include <string>

namespace ingest::control {

// The token in `file`, or a new random one (32 bytes from /dev/urandom, hex) written there with
// mode 0600 when the file does not exist. Throws std::runtime_error naming the file when it cannot
// be read or created, or is empty.
std::string load_or_create_token(const std::filesystem::path& file);

// True when the Authorization header value carries `token`. Compares in constant time.
bool authorization_carries(const std::string& header, const std::string& token);

}  // namespace ingest::control
