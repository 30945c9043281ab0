// Records that break the data contract on purpose, for the sink's dead-letter path.
//
// Every record made here is malformed beyond doubt: it fails to parse as JSON, fails
// schemas/user_event.schema.json, or carries a key other than its event_id. Forms that some
// readers accept (upper-case or brace-wrapped UUIDs, a space instead of `T`) are avoided, so that
// the simulator, the sink and the validator all agree on what is malformed. Values are printable
// ASCII, so the audit log holds them exactly.
#pragma once

#include "malformed_kind.hpp"
#include "record_format.hpp"
#include "record_format.hpp"
#include "rng.hpp"

#include <string>
#include <string_view>

namespace ingest::plugins::source_event_simulator {

// Builds a malformed record of `kind` from `base` (a fresh event no valid record uses) into `key`
// and `value`, drawing any further choices from `rng`.
void make_malformed(Rng& rng, MalformedKind kind, const EventVersion& base,
                    std::string_view type_name, std::string& key, std::string& value);

}  // namespace ingest::plugins::source_event_simulator
