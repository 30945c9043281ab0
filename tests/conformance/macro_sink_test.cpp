// INGEST_CONFORMANCE_TESTS in a plugin's own GoogleTest binary: one test per rule on the base sink.
// (One use per source file: the macro names its variable after __LINE__ without expanding it.)
#include <ingest/harness_gtest.hpp>

INGEST_CONFORMANCE_TESTS(CONFORMANCE_SINK, R"({"dir": "${env:INGEST_CONFORMANCE_DIR}"})");
