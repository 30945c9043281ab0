#include "config/client_overrides.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <string_view>

namespace ingest::config {
namespace {

struct Prefix {
    std::string_view text;
    std::map<std::string, std::string> ClientOverrides::*clients;
    bool for_sources, for_sinks;
};
constexpr std::array<Prefix, 3> kPrefixes = {{
    {"producer.override.", &ClientOverrides::producer, true, true},  // a sink's dead-letter producer too
    {"consumer.override.", &ClientOverrides::consumer, false, true},
    {"admin.override.", &ClientOverrides::admin, true, true},
}};

// librdkafka 2.0 properties that run a program or load code into the worker.
constexpr std::array<std::string_view, 5> kRunsCode = {
    "sasl.kerberos.kinit.cmd",  // a shell command, run periodically
    "plugin.library.paths",     // shared libraries loaded as interceptors
    "ssl.engine.location",      // an OpenSSL engine library
    "ssl.engine.id",            // selects an OpenSSL engine, which may be loaded dynamically
    "ssl.providers",            // OpenSSL 3 provider modules
};

// Properties naming a file (or directory) librdkafka reads.
constexpr std::array<std::string_view, 6> kReadsFile = {
    "ssl.key.location",   "ssl.certificate.location", "ssl.ca.location",
    "ssl.crl.location",   "ssl.keystore.location",    "sasl.kerberos.keytab",
};

// What the runner's guarantees depend on: its producers are idempotent with acks=all, its
// consumers resolve every position themselves (auto.offset.reset=error) and commit explicitly.
constexpr std::array<std::string_view, 12> kRunnerOwned = {
    "bootstrap.servers", "metadata.broker.list", "group.id",          "enable.auto.commit",
    "enable.auto.offset.store", "auto.offset.reset", "enable.idempotence", "acks",
    "request.required.acks", "transactional.id",  "enable.partition.eof", "partition.assignment.strategy",
};

// Values to mask in logs, status and REST answers.
constexpr std::array<std::string_view, 5> kSecret = {
    "sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret", "ssl.key.pem",
};

template <size_t N>
bool listed(const std::array<std::string_view, N>& list, const std::string& property) {
    return std::find(list.begin(), list.end(), property) != list.end();
}

// Whether `path` lies inside `dir`, both resolved through symlinks as far as they exist.
bool inside(const std::filesystem::path& path, const std::filesystem::path& dir) {
    std::error_code ec;
    const auto resolved = std::filesystem::weakly_canonical(path, ec);
    if (ec) return false;
    const auto root = std::filesystem::weakly_canonical(dir, ec);
    if (ec) return false;
    const auto relative = resolved.lexically_relative(root);
    return !relative.empty() && *relative.begin() != "..";
}

std::optional<std::string> check_file(const std::string& property, const std::string& value,
                                      const ClientOverridePolicy& policy) {
    if (property == "ssl.ca.location" && value == "probe") return std::nullopt;  // the system's CA stores
    const std::filesystem::path path(value);
    if (!path.is_absolute()) return "names the file '" + value + "', which must be an absolute path";
    for (const auto& dir : policy.file_dirs)
        if (inside(path, dir)) return std::nullopt;
    std::string dirs;
    for (const auto& dir : policy.file_dirs) dirs += (dirs.empty() ? "" : ", ") + dir.string();
    return "reads the file '" + value + "'; connectors may name files only under the worker config's client-file-dir " +
           (dirs.empty() ? std::string("directories, and this worker allows none (ingest run --client-file-dir DIR)")
                         : "directories (" + dirs + ")");
}

std::mutex g_policy_mutex;
ClientOverridePolicy g_policy;

}  // namespace

void set_client_override_policy(ClientOverridePolicy policy) {
    std::lock_guard lock(g_policy_mutex);
    g_policy = std::move(policy);
}

ClientOverridePolicy client_override_policy() {
    std::lock_guard lock(g_policy_mutex);
    return g_policy;
}

std::vector<std::string_view> client_override_prefixes(ingest_plugin_kind kind) {
    std::vector<std::string_view> prefixes;
    for (const Prefix& prefix : kPrefixes)
        if (kind == INGEST_KIND_SOURCE ? prefix.for_sources : prefix.for_sinks) prefixes.push_back(prefix.text);
    return prefixes;
}

bool is_client_override(const std::string& key) {
    return std::any_of(kPrefixes.begin(), kPrefixes.end(), [&](const Prefix& p) { return key.starts_with(p.text); });
}

std::optional<std::string> apply_client_override(const std::string& key, const std::string& value,
                                                 ingest_plugin_kind kind, const ClientOverridePolicy& policy,
                                                 ClientOverrides& out, std::vector<std::string>& secrets) {
    const auto prefix = std::find_if(kPrefixes.begin(), kPrefixes.end(), [&](const Prefix& p) { return key.starts_with(p.text); });
    if (prefix == kPrefixes.end()) return "is no client override";
    const std::string property = key.substr(prefix->text.size());
    if (property.empty()) return "names no client property after '" + std::string(prefix->text) + "'";
    if (!(kind == INGEST_KIND_SOURCE ? prefix->for_sources : prefix->for_sinks))
        return std::string("a source has no consumer: ") + std::string(prefix->text) + "* applies to sinks only";
    // The same limits as any config value: it reaches librdkafka as a C string.
    static constexpr ingest_config_key kAnyString{sizeof(ingest_config_key), "", INGEST_CONFIG_STRING};
    if (auto problem = check_value(kAnyString, value)) return problem;

    if (listed(kRunnerOwned, property))
        return "'" + property + "' is set by the runner (its delivery guarantees depend on it) and cannot be overridden";
    if (listed(kRunsCode, property) && !policy.allowed_settings.count(property))
        return "'" + property + "' makes the Kafka client run a program or load code; a connector may set it only when "
               "the worker config allows it (ingest run --allow-client-setting " + property + ")";
    if (listed(kReadsFile, property))
        if (auto problem = check_file(property, value, policy)) return "'" + property + "' " + *problem;
    if (property == "sasl.oauthbearer.token.endpoint.url" && !value.starts_with("https://") && !value.starts_with("http://"))
        return "'" + property + "' must be an http:// or https:// URL (another scheme could read local files)";

    (out.*(prefix->clients))[property] = value;
    if (is_secret_client_property(property)) secrets.push_back(value);
    return std::nullopt;
}

bool is_secret_client_property(const std::string& property) {
    return listed(kSecret, property) || property.find("password") != std::string::npos ||
           property.find("secret") != std::string::npos;
}

bool is_secret_client_override(const std::string& key) {
    const auto prefix = std::find_if(kPrefixes.begin(), kPrefixes.end(), [&](const Prefix& p) { return key.starts_with(p.text); });
    return prefix != kPrefixes.end() && is_secret_client_property(key.substr(prefix->text.size()));
}

std::vector<Problem> parse_worker_client_properties(const std::vector<std::string>& assignments,
                                                    std::map<std::string, std::string>& out) {
    std::vector<Problem> problems;
    for (const auto& assignment : assignments) {
        const auto equals = assignment.find('=');
        const std::string property = assignment.substr(0, equals);
        const std::string where = "kafka-property '" + property + "'";
        if (equals == std::string::npos || property.empty()) {
            // The value may be a secret: the problem names the property only.
            problems.push_back({"kafka-property", "expected KEY=VALUE (a librdkafka property), got " +
                                                      (equals == std::string::npos ? "no '='" : std::string("no KEY"))});
            continue;
        }
        const std::string value = assignment.substr(equals + 1);
        static constexpr ingest_config_key kAnyString{sizeof(ingest_config_key), "", INGEST_CONFIG_STRING};
        if (listed(kRunnerOwned, property))
            problems.push_back({where, "'" + property + "' is set by the runner (its delivery guarantees depend on it)" +
                                           (property == "bootstrap.servers" || property == "metadata.broker.list"
                                                ? std::string("; give the cluster with --bootstrap")
                                                : std::string(" and cannot be set by the worker config"))});
        else if (auto problem = check_value(kAnyString, value))
            problems.push_back({where, *problem});
        else if (!out.emplace(property, value).second)
            problems.push_back({where, "is given twice; give each property once"});
    }
    return problems;
}

}  // namespace ingest::config
