// The conformance suite: the rules every plugin must keep, each with a name and a one-line reason,
// checked on any plugin .so by `ingest plugin check FILE.so [--config sample.json]` or, in a
// plugin's own GoogleTest binary, by one line (<ingest/harness_gtest.hpp>):
//
//   INGEST_CONFORMANCE_TESTS("build/my_sink.so", R"({"config": {"path": "${env:INGEST_CONFORMANCE_DIR}/out"}})");
//
// The sample config is a connector file's text ({"name": ..., "config": {...}}, or the config
// object alone). Each rule runs in a child process of its own with a fresh temporary directory in
// INGEST_CONFORMANCE_DIR (so `${env:INGEST_CONFORMANCE_DIR}` in the sample points there), so a
// plugin that crashes or hangs fails that rule, named, instead of the whole run.
#pragma once

#include <ingest/harness.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace ingest::conformance {

struct Rule {
    std::string name;    // e.g. "records.tombstone"
    std::string reason;  // one line: what the rule asks and why
};

// Every rule, in the order they run.
INGEST_HARNESS_API const std::vector<Rule>& rules();

enum class Outcome { pass, fail, skip };
INGEST_HARNESS_API const char* outcome_name(Outcome outcome);

struct Result {
    Rule rule;
    Outcome outcome = Outcome::fail;
    std::string detail;  // what was seen: why it failed, why it was skipped, or what passed
};

// Runs one rule (by name; std::invalid_argument when there is none) on the plugin.
INGEST_HARNESS_API Result check(const std::filesystem::path& plugin, const std::string& sample_config,
                                const std::string& rule);
// Runs every rule.
INGEST_HARNESS_API std::vector<Result> check_all(const std::filesystem::path& plugin,
                                                 const std::string& sample_config);

// "FAIL records.tombstone: put() crashed (SIGSEGV) — why: ..." and the like, for reports.
INGEST_HARNESS_API std::string describe(const Result& result);

}  // namespace ingest::conformance
