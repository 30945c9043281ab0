// Validation of string key/value configs against a declared key table (ingest_config_key), the
// one mechanism used for the runner's own keys and every plugin's keys.
#pragma once

#include <ingest/config.hpp>
#include <ingest/plugin_abi.h>

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace ingest::config {

// One problem of a config: the same type plugins report theirs in.
using Problem = sdk::Problem;

// The longest config value accepted, of any key (after ${env:...} expansion): far above any real
// setting (an inline PEM certificate is a few KiB), and a bound on what a config can make the
// runner and its plugins hold, log or send to a database.
inline constexpr size_t kMaxConfigValueBytes = 64 * 1024;

// Checks one value against its declaration; returns the problem, if any. Whatever its type, a
// value must fit kMaxConfigValueBytes and hold no NUL byte (values reach plugins as C strings:
// the rest would be cut off without a word).
std::optional<std::string> check_value(const ingest_config_key& key, const std::string& value);

// Takes from `raw` every key declared in `table`: checks it, or fills its default, or reports it
// missing when required. Checked values go to `out`; every problem goes to `problems`. Keys in
// `given_but_broken` were written but could not be read (their problem is already reported):
// they are not reported missing too.
void apply_table(std::span<const ingest_config_key> table, const std::map<std::string, std::string>& raw,
                 std::map<std::string, std::string>& out, std::vector<Problem>& problems,
                 const std::set<std::string>& given_but_broken = {});

const ingest_config_key* find_key(std::span<const ingest_config_key> table, const std::string& name);

// Problems in a table itself (unnamed or duplicate keys, defaults that fail their own checks).
std::vector<std::string> check_table(std::span<const ingest_config_key> table);

const char* type_name(ingest_config_type type);

}  // namespace ingest::config
