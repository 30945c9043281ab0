// Kafka Connect's per-connector client overrides (`producer.override.*`, `consumer.override.*`,
// `admin.override.*`): librdkafka properties for one connector's clients, e.g. TLS settings.
//
// A connector config comes from connectors.d/ or from anyone holding the REST token; the worker's
// own config (its command line and --worker-config file) belongs to whoever runs the worker.
// librdkafka has properties that run programs or load code (`sasl.kerberos.kinit.cmd`,
// `plugin.library.paths`, `ssl.engine.location`, `ssl.providers`) or read files
// (`ssl.key.location`, `sasl.kerberos.keytab`, ...): through a connector config they would let a
// REST caller run code as the worker or read its files. So connectors may set those only when
// the worker config allows it: a code-running property only when named by `allow-client-setting`,
// a file only under a `client-file-dir`. Properties the runner's guarantees depend on
// (`enable.idempotence`, `group.id`, `auto.offset.reset`, ...) are the runner's alone, for
// connectors and for the worker's own client properties (`ingest run --kafka-property`) alike.
//
// A client's configuration, layer over layer (runner/kafka/client.hpp, client_conf): the runner's
// defaults < the worker's properties < the connector's overrides < the runner's guarantees.
#pragma once

#include "config/config_table.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::config {

// What the worker config allows connectors to set (`ingest run --allow-client-setting NAME`,
// `--client-file-dir DIR`). Set once when the worker starts; the default allows neither.
struct ClientOverridePolicy {
    std::set<std::string> allowed_settings;          // code-running properties connectors may set
    std::vector<std::filesystem::path> file_dirs;    // where files named by connectors must lie
};
void set_client_override_policy(ClientOverridePolicy policy);
ClientOverridePolicy client_override_policy();

// One connector's overrides by client, librdkafka property → value (prefix removed).
struct ClientOverrides {
    std::map<std::string, std::string> producer;  // the source's producer; a sink's dead-letter producer
    std::map<std::string, std::string> consumer;  // a sink's consumer
    std::map<std::string, std::string> admin;     // topic creation and offsets

    bool empty() const { return producer.empty() && consumer.empty() && admin.empty(); }
    bool operator==(const ClientOverrides&) const = default;
};

// Whether `key` is a client override key (has one of the three prefixes).
bool is_client_override(const std::string& key);
// The override prefixes a connector of `kind` may use (`producer.override.`, ...).
std::vector<std::string_view> client_override_prefixes(ingest_plugin_kind kind);

// Whether the librdkafka property `property` holds a secret (a password, a private key): its
// values are masked in logs, status and REST answers like password keys.
bool is_secret_client_property(const std::string& property);
// Whether `key` is a client override of a secret property (`consumer.override.ssl.key.password`).
bool is_secret_client_override(const std::string& key);

// The worker's own Kafka client properties (`ingest run --kafka-property KEY=VALUE`, repeatable;
// `kafka-property` in the worker config), as Kafka Connect's worker config sets `security.protocol`,
// `ssl.*` and `sasl.*` for all its clients. The worker config is trusted (files and programs are its
// operator's choice) but the runner's guarantee properties are not its to set. Fills `out` with
// property → value and returns every problem (a missing '=', an empty name, a property given twice,
// a runner-owned property, a value no config value may have), each naming the assignment.
std::vector<Problem> parse_worker_client_properties(const std::vector<std::string>& assignments,
                                                    std::map<std::string, std::string>& out);

// Checks the override `key` = `value` of a connector of `kind` against `policy` and files it
// into `out`; returns the problem instead when it is refused. Values of secret properties
// (passwords, secrets) are added to `secrets`, so they are masked like password keys.
std::optional<std::string> apply_client_override(const std::string& key, const std::string& value,
                                                 ingest_plugin_kind kind, const ClientOverridePolicy& policy,
                                                 ClientOverrides& out, std::vector<std::string>& secrets);

}  // namespace ingest::config
