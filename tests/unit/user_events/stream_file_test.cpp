// The stream file's path rule and format, shared by the simulator (which writes it) and the
// validator (which reads the task count from it).
#include "shared/user_events/stream_file.hpp"

#include <gtest/gtest.h>

namespace ingest::plugins::shared::user_events {
namespace {

TEST(StreamFile, PathsFollowTheTaskCount) {
    EXPECT_EQ(task_audit_log_path("/x/audit.jsonl", 0, 1), "/x/audit.jsonl");
    EXPECT_EQ(task_audit_log_path("/x/audit.jsonl", 1, 3), "/x/audit.jsonl.1");
    EXPECT_EQ(task_audit_log_path("", 1, 3), "");
    EXPECT_EQ(stream_file_path(task_audit_log_path("/x/audit.jsonl", 0, 1)), "/x/audit.jsonl.stream");
    EXPECT_EQ(stream_file_path(task_audit_log_path("/x/audit.jsonl", 2, 3)), "/x/audit.jsonl.2.stream");
}

TEST(StreamFile, RendersAndParsesTheTaskAndItsKeys) {
    StreamDescription description;
    description.task = 1;
    description.tasks = 2;
    description.keys = {{"events", "10"}, {"seed", "7"}};
    const std::string text = render_stream_description(description);
    EXPECT_EQ(text, R"({"format":1,"plugin":"source_event_simulator","task":1,"tasks":2,)"
                    R"("stream":{"events":"10","seed":"7"}})");
    EXPECT_EQ(parse_stream_description(text), description);
    EXPECT_EQ(parse_stream_description(text).value("seed"), "7");
    EXPECT_THROW(parse_stream_description(R"({"format":1,"task":2,"tasks":2,"stream":{}})"), std::runtime_error);
}

}  // namespace
}  // namespace ingest::plugins::shared::user_events
