// A plugin's connector config, generated from its key table (and the runner's keys of its kind):
// the only source of the docs and schemas a user reads.
#pragma once

#include <ingest/plugin_abi.h>

#include <string>

namespace ingest::plugin_host {

std::string describe_json_schema(const ingest_plugin& plugin);
std::string describe_markdown(const ingest_plugin& plugin);

}  // namespace ingest::plugin_host
