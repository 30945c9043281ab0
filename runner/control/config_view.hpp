// Connector configs as the API shows and takes them: password-typed values masked in every
// response; bodies turned into the string values a connector file holds (Kafka Connect's
// `connector.class` accepted for `plugin`), and validated against the plugin before anything is
// written.
#pragma once

#include "config/connector_config.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "worker/herder.hpp"

#include <ingest/plugin_abi.h>

#include <boost/json/object.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace ingest::control {

inline constexpr const char* kMasked = "****";

using ConfigValues = std::map<std::string, std::string>;

// The declaration of `key` among the runner's keys of the plugin's kind and the plugin's own.
const ingest_config_key* declared_key(const ingest_plugin& plugin, const std::string& key);
bool is_secret(const ingest_plugin* plugin, const std::string& key);

// `config` as a JSON object, every password-typed value (per `plugin`; none if null) shown as ****.
boost::json::object masked(const ConfigValues& config, const ingest_plugin* plugin);

// A body's config object as connector-file values: strings, numbers and booleans (as text);
// `connector.class` becomes `plugin`; a `name` key must equal `name` (Kafka Connect's habit) and is
// dropped. With `nulls_remove` (PATCH), a null value removes the key from `base`. ApiError 400
// listing every bad value.
ConfigValues config_values(const boost::json::object& config, const std::string& name,
                           ConfigValues base = {}, bool nulls_remove = false);

// The config of a connector file as written (`${env:...}` references not expanded); nullopt when
// the file is missing or not a connector file.
std::optional<ConfigValues> written_config(const std::filesystem::path& file);

// Throws config::ConfigError when `name` is not a valid connector name (the rule connector files
// follow; it also keeps the name safe as a file name).
void check_name(const std::string& name);

// Expands `${env:...}` and validates `values` against the plugin they name; throws
// config::ConfigError with every problem (an unknown plugin is one of them).
worker::ConnectorDefinition validate_values(const std::string& name, const ConfigValues& values,
                                        const plugin_host::PluginCatalog& catalog, const config::EnvLookup& env);

}  // namespace ingest::control
