// Fuzz target: the connector-config loader. The input is a connector file's text, as dropped into
// connectors.d/ or written by the REST API. It goes through everything the runner does with such a
// file before anything starts: parse_connector (Kafka Connect's {"name", "config"} shape, the
// connector-name rule, `${env:NAME}` and `${env:NAME:-default}` expansion against a fixed
// environment) and validate_connector against a sink's and a source's in-memory descriptor (the
// runner's keys of each kind, the plugin's typed keys and its validate hook). The input is also
// expanded as one raw value, which reaches the `${env:...}` grammar without JSON around it.
//
// A ConfigError is the expected answer to a bad file; any other exception, a crash, a leak or
// undefined behaviour is a finding. Checked properties: every problem is reported with a message;
// text without `${env:` expands to itself; validation keeps the connector's name.
#include "config/connector_config.hpp"
#include "fixture_plugins.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

namespace {

void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "property violated: %s\n", what);
        std::abort();
    }
}

void check_problems(const ingest::config::ConfigError& error) {
    require(!error.problems().empty(), "a ConfigError lists at least one problem");
    for (const auto& problem : error.problems()) require(!problem.message.empty(), "every problem has a message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ingest;
    const std::string text(reinterpret_cast<const char*>(data), size);
    const config::EnvLookup env = &fuzz::fixture_env;

    std::string expanded;
    if (!config::expand_env(text, env, expanded) && text.find("${env:") == std::string::npos)
        require(expanded == text, "text without references is unchanged");

    config::ConnectorSpec spec;
    try {
        spec = config::parse_connector(text, "fuzz.json", "fuzz", env);
    } catch (const config::ConfigError& error) {
        check_problems(error);
        return 0;
    }
    require(!spec.name.empty(), "a parsed connector has a name");
    for (const ingest_plugin* plugin : {&fuzz::fixture_sink(), &fuzz::fixture_source()}) {
        try {
            const config::ConnectorConfig valid = config::validate_connector(spec, *plugin);
            require(valid.name == spec.name, "validation keeps the name");
            (void)valid.topics();
            (void)valid.consumer_group();
            (void)valid.dead_letter_topic();
        } catch (const config::ConfigError& error) {
            check_problems(error);
        }
    }
    try {
        (void)config::plugin_name_of(spec);
    } catch (const config::ConfigError& error) {
        check_problems(error);
    }
    return 0;
}
