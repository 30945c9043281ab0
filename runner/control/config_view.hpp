// Connector configs as the API shows and takes them: password-typed values masked in every
// response; the string values a body's config gives (request_body.hpp: Kafka Connect's
// `connector.class` accepted for `plugin`) validated against the plugin before anything is
// written.
#pragma once

#include "config/connector_config.hpp"
#include "control/request_body.hpp"
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

// The declaration of `key` among the runner's keys of the plugin's kind and the plugin's own.
const ingest_config_key* declared_key(const ingest_plugin& plugin, const std::string& key);
// Whether `key`'s values are secret: a password-typed key of `plugin` (none if null) or a client
// override of a secret property (config::is_secret_client_override).
bool is_secret(const ingest_plugin* plugin, const std::string& key);

// `config` as a JSON object, every secret value (is_secret) shown as ****.
boost::json::object masked(const ConfigValues& config, const ingest_plugin* plugin);

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
