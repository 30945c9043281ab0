// GoogleTest support for the harness: INGEST_CONFORMANCE_TESTS, which gives a plugin's test binary
// the whole conformance suite (<ingest/conformance.hpp>) in one line.
#pragma once

#include <ingest/conformance.hpp>
#include <ingest/harness.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

// In a GoogleTest binary: registers one test per rule, named Conformance_<plugin file stem>.<rule>.
#define INGEST_CONFORMANCE_TESTS(plugin_path, sample_config) \
    static const bool INGEST_CONFORMANCE_NAME(ingest_conformance_registered_, __COUNTER__) = \
        ::ingest::conformance::register_tests((plugin_path), (sample_config))
// Two levels, so that __COUNTER__ is expanded before it is pasted: several uses in one file.
#define INGEST_CONFORMANCE_NAME(prefix, n) INGEST_CONFORMANCE_NAME_(prefix, n)
#define INGEST_CONFORMANCE_NAME_(prefix, n) prefix##n

namespace ingest::conformance {

inline bool register_tests(const std::filesystem::path& plugin, const std::string& sample_config) {
    const std::string suite = "Conformance_" + plugin.stem().string();
    for (const Rule& rule : rules()) {
        std::string test_name = rule.name;
        for (char& c : test_name)
            if (c == '.') c = '_';
        ::testing::RegisterTest(suite.c_str(), test_name.c_str(), nullptr, rule.name.c_str(), __FILE__, __LINE__,
                                [plugin, sample_config, name = rule.name]() -> ::testing::Test* {
                                    struct RuleTest : ::testing::Test {
                                        std::filesystem::path plugin;
                                        std::string sample, name;
                                        void TestBody() override {
                                            const Result result = check(plugin, sample, name);
                                            if (result.outcome == Outcome::skip) GTEST_SKIP() << describe(result);
                                            if (result.outcome == Outcome::fail) FAIL() << describe(result);
                                        }
                                    };
                                    auto* test = new RuleTest;
                                    test->plugin = plugin;
                                    test->sample = sample_config;
                                    test->name = name;
                                    return test;
                                });
    }
    return true;
}

}  // namespace ingest::conformance
