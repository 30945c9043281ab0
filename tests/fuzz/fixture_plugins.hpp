// In-memory plugin descriptors the config targets validate against: one sink and one source,
// declared with the SDK's ConfigDef as real plugins are (every key type, bounds, allowed values,
// a secret, a rule over two keys), so that a fuzzed config reaches every check the runner and a
// plugin's validate hook make. No shared object is loaded.
#pragma once

#include <ingest/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::fuzz {

struct FixtureSettings {
    std::string dsn;
    std::string table;
    std::string mode;
    bool auto_create = false;
    int batch = 0;
    int64_t threshold_ms = 0;
    double rate = 0;
};

inline const sdk::ConfigDef<FixtureSettings>& fixture_config() {
    using S = FixtureSettings;
    static const auto def = sdk::ConfigDef<S>()
        .secret("connection.dsn", &S::dsn, sdk::required, "Where to write.").not_empty()
        .key("table", &S::table, "events", "Target table.").not_empty()
        .key("mode", &S::mode, "upsert", "How rows are written.").one_of({"insert", "upsert"})
        .key("auto.create", &S::auto_create, true, "Create the table.")
        .key("batch", &S::batch, 500, "Rows per batch.").between(1, 100000)
        .key("late.threshold.ms", &S::threshold_ms, 30000, "Late after this.").at_least(0)
        .key("rate", &S::rate, 0.5, "A fraction.").between(0, 1)
        .rule([](const S& s, sdk::Problems& problems) {
            if (s.mode == "insert" && s.auto_create) problems.push_back({"mode", "insert needs auto.create=false"});
        });
    return def;
}

class FixtureSink : public sdk::SinkTask {
   public:
    void start(const sdk::Config&) override {}
    void put(std::span<const sdk::Record>) override {}
};

class FixtureSource : public sdk::SourceTask {
   public:
    void start(const sdk::Config&) override {}
    PollResult poll(sdk::Emitter&) override { return PollResult::End; }
    void on_delivered(uint64_t, int32_t, int64_t, std::string_view) override {}
};

inline const ingest_plugin& fixture_sink() {
    static const ingest_sink_api api = sdk::detail::Adapter<FixtureSink>::sink_api(0);
    static const ingest_plugin plugin =
        sdk::detail::describe<FixtureSink>("sink_fixture", "1.0.0", "", fixture_config(), nullptr, &api);
    return plugin;
}

inline const ingest_plugin& fixture_source() {
    static const ingest_plugin plugin = sdk::detail::describe<FixtureSource>(
        "source_fixture", "1.0.0", "", fixture_config(), &sdk::detail::Adapter<FixtureSource>::source_api, nullptr);
    return plugin;
}

// `${env:...}` sees only these, never the process's environment: a run must not depend on it.
inline std::optional<std::string> fixture_env(const std::string& name) {
    if (name == "INGEST_PG_DSN") return "postgresql://ingest@localhost/ingest";
    if (name == "INGEST_EVENTS") return "1000";
    if (name == "INGEST_STATE_DIR") return "/tmp/ingest-fuzz";
    if (name == "EMPTY") return "";
    if (name == "NESTED") return "${env:INGEST_EVENTS}";  // expanded once, never again
    return std::nullopt;
}

}  // namespace ingest::fuzz
