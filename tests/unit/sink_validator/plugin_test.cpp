// sink_validator.so through the plugin test harness: what the runner sees at its boundary.
#include <ingest/harness_gtest.hpp>

#include <gtest/gtest.h>

namespace {

using namespace ingest::harness;

TEST(SinkValidatorPlugin, RefusesToRunAsSeveralTasksNamingTasksMax) {
    // Refused before any connection: the DSN names a port nobody listens on.
    SinkTask task(Plugin::load(SINK_VALIDATOR_PLUGIN),
                  {{"audit.log", "/nonexistent/audit.jsonl"},
                   {"connection.dsn", "postgresql://nobody@127.0.0.1:1/none"},
                   {"sink.connector", "sink"},
                   {"source.topic", kTopic}},
                  {.task_count = 3});
    Status started = task.start();
    EXPECT_TRUE(started.fatal()) << started;
    EXPECT_NE(started.message.find("tasks.max=1 (got 3)"), std::string::npos) << started;
}

}  // namespace
