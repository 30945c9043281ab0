// Fuzz target: the REST API's request bodies (runner/control). The input is a request body as a
// client sends it. It goes through what the routes do with a body before they call the herder:
// parse_object_body (strict JSON, one object, 400 naming line and column otherwise), then every
// reading of that object: config_values as PUT .../config and the validate endpoint take it (the
// body is the config), as POST /connectors takes it (its "config" member), as PATCH .../config
// takes it (nulls remove keys of a written config), and offset_changes as PATCH .../offsets takes
// it. Values that pass are expanded and validated against an in-memory sink descriptor, as
// validate_values does once it found the plugin (the catalog lookup is left out: it loads files).
//
// ApiError 400 and ConfigError are the expected answers to a bad body; any other exception, a
// crash, a leak or undefined behaviour is a finding (a route would answer 500, or the worker
// would die). Checked properties: refusals carry status 400 and a message; a body that parses is
// an object.
#include "config/connector_config.hpp"
#include "control/api_error.hpp"
#include "control/request_body.hpp"
#include "fixture_plugins.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace ingest;

void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "property violated: %s\n", what);
        std::abort();
    }
}

void check_refusal(const control::ApiError& error) {
    require(error.status() == 400, "a bad body is a 400");
    require(error.what()[0] != '\0', "a refusal says why");
}

// The rest of validate_values: `${env:...}` expanded, then the runner's and the plugin's checks.
void validate(const control::ConfigValues& values) {
    config::ConnectorSpec spec{"connector 'fuzz'", "fuzz", {}};
    std::vector<config::Problem> problems;
    for (const auto& [key, value] : values) {
        std::string expanded;
        if (auto problem = config::expand_env(value, &fuzz::fixture_env, expanded))
            problems.push_back({key, *problem});
        else
            spec.raw[key] = expanded;
    }
    if (!problems.empty()) return;
    try {
        (void)config::validate_connector(spec, fuzz::fixture_sink());
    } catch (const config::ConfigError& error) {
        require(!error.problems().empty(), "a ConfigError lists its problems");
    }
}

template <typename Reading>
void reading(Reading&& read) {
    try {
        read();
    } catch (const control::ApiError& error) {
        check_refusal(error);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    httplib::Request request;
    request.body.assign(reinterpret_cast<const char*>(data), size);
    boost::json::object body;
    try {
        body = control::parse_object_body(request);
    } catch (const control::ApiError& error) {
        check_refusal(error);
        return 0;
    }

    // PUT /connectors/{name}/config and PUT /connector-plugins/{plugin}/config/validate.
    reading([&] { validate(control::config_values(body, "fuzz")); });
    // POST /connectors: {"name", "config", "initial_state"}.
    reading([&] {
        const auto* config = body.if_contains("config");
        if (!config || !config->is_object()) return;
        std::string name = "fuzz";
        if (const auto* given = body.if_contains("name"); given && given->is_string()) name = std::string(given->as_string());
        validate(control::config_values(config->as_object(), name));
    });
    // PATCH /connectors/{name}/config: over a written config whose values are still references.
    reading([&] {
        const control::ConfigValues written{{"plugin", "sink_fixture"},
                                            {"connection.dsn", "${env:INGEST_PG_DSN}"},
                                            {"batch", "${env:INGEST_EVENTS:-100}"}};
        validate(control::config_values(body, "fuzz", written, true));
    });
    // PATCH /connectors/{name}/offsets.
    reading([&] {
        for (const auto& change : control::offset_changes(body)) {
            require(!change.topic.empty() && change.partition >= 0, "an offset change names a partition");
            require(!change.offset || *change.offset >= 0, "an offset change is not negative");
        }
    });
    return 0;
}
