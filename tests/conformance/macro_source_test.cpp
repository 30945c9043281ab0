// INGEST_CONFORMANCE_TESTS on the base source, and what the CLI cannot show: `ingest plugin check`
// refuses a plugin of another ABI major before any rule runs, so abi.version is seen failing only
// through the library.
#include <ingest/harness_gtest.hpp>

INGEST_CONFORMANCE_TESTS(CONFORMANCE_SOURCE, R"({"records": "25"})");

namespace {

TEST(ConformanceFixtures, AbiVersionFailsOnlyItsRule) {
    using ingest::conformance::Outcome;
    const auto results = ingest::conformance::check_all(CONFORMANCE_SINK_BREAKS_ABI_VERSION,
                                                        R"({"dir": "${env:INGEST_CONFORMANCE_DIR}"})");
    ASSERT_EQ(results.size(), ingest::conformance::rules().size());
    for (const auto& result : results) {
        SCOPED_TRACE(ingest::conformance::describe(result));
        if (result.rule.name == "abi.version") {
            EXPECT_EQ(result.outcome, Outcome::fail);
            EXPECT_NE(result.detail.find("ABI major"), std::string::npos);
        } else {
            // Nothing else can run on a plugin the runner does not load: each says so, pointing there.
            EXPECT_EQ(result.outcome, Outcome::skip);
            EXPECT_NE(result.detail.find("see abi."), std::string::npos);
        }
    }
}

}  // namespace
