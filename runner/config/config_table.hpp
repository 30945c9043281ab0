// Validation of string key/value configs against a declared key table (ingest_config_key), the
// one mechanism used for the runner's own keys and every plugin's keys.
#pragma once

#include <ingest/config.hpp>
#include <ingest/plugin_abi.h>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ingest::config {

// One problem of a config: the same type plugins report theirs in.
using Problem = sdk::Problem;

// Checks one value against its declaration; returns the problem, if any.
std::optional<std::string> check_value(const ingest_config_key& key, const std::string& value);

// Takes from `raw` every key declared in `table`: checks it, or fills its default, or reports it
// missing when required. Checked values go to `out`; every problem goes to `problems`.
void apply_table(std::span<const ingest_config_key> table, const std::map<std::string, std::string>& raw,
                 std::map<std::string, std::string>& out, std::vector<Problem>& problems);

const ingest_config_key* find_key(std::span<const ingest_config_key> table, const std::string& name);

// Problems in a table itself (unnamed or duplicate keys, defaults that fail their own checks).
std::vector<std::string> check_table(std::span<const ingest_config_key> table);

const char* type_name(ingest_config_type type);

}  // namespace ingest::config
