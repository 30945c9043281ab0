// The connector keys the runner itself handles (never passed to plugins). Declared once, here.
#pragma once

#include <ingest/plugin_abi.h>

#include <span>

namespace ingest::config {

// Keys every connector has, whatever its kind.
std::span<const ingest_config_key> common_runner_keys();
// Keys of source connectors (where records go).
std::span<const ingest_config_key> source_runner_keys();
// Keys of sink connectors (where records come from, how they are batched).
std::span<const ingest_config_key> sink_runner_keys();

std::span<const ingest_config_key> runner_keys_for(ingest_plugin_kind kind);

// True when `name` is a runner key of any kind (plugins must not declare such keys).
bool is_runner_key(const char* name);

}  // namespace ingest::config
