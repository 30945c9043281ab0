// Following the audit log while it grows, and while a restarted source repairs it: a last line
// cut short by a kill is truncated by the source and written over with other lines.
#include "audit_tail.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ingest::plugins::sink_validator {
namespace {

using ingest::testing::TempDir;

class TailTest : public ::testing::Test {
   protected:
    void append(const std::string& text) {
        std::ofstream out(path, std::ios::binary | std::ios::app);
        out << text;
    }
    void truncate_to(uint64_t size) { std::filesystem::resize_file(path, size); }

    // Polls once; returns the lines delivered, numbered.
    std::vector<std::string> poll(AuditLogTail::Status expected = AuditLogTail::Status::Read) {
        std::vector<std::string> lines;
        const auto status = tail.poll(1 << 20, [&](std::string_view line, uint64_t number) {
            lines.push_back(std::to_string(number) + ":" + std::string(line));
        });
        EXPECT_EQ(status, expected);
        return lines;
    }

    TempDir dir;
    std::string path = dir.file("audit.jsonl");
    AuditLogTail tail{path};
};

TEST_F(TailTest, DeliversCompleteLinesOnly) {
    EXPECT_TRUE(poll(AuditLogTail::Status::Missing).empty());
    append("one\ntw");
    EXPECT_EQ(poll(), std::vector<std::string>{"1:one"});
    append("o\nthree\n");
    EXPECT_EQ(poll(), (std::vector<std::string>{"2:two", "3:three"}));
    EXPECT_TRUE(tail.at_end());
}

TEST_F(TailTest, ALineCutShortAndWrittenOverIsReadAgainFromItsStart) {
    append("one\n{\"seq\":1,\"inte");  // the source was killed in the middle of line 2
    EXPECT_EQ(poll(), std::vector<std::string>{"1:one"});
    // The restarted source drops the torn bytes and appends other lines, longer than the cut.
    truncate_to(4);
    append("{\"seq\":2,\"intent\":\"create\"}\n{\"seq\":1,\"intent\":\"create\"}\n");
    EXPECT_EQ(poll(), (std::vector<std::string>{"2:{\"seq\":2,\"intent\":\"create\"}",
                                                "3:{\"seq\":1,\"intent\":\"create\"}"}));
}

TEST_F(TailTest, ALineThatWasOnlyWaitingIsContinued) {
    append("one\n{\"seq\":1,");
    poll();
    append("\"intent\":\"create\"}\n");
    EXPECT_EQ(poll(), std::vector<std::string>{"2:{\"seq\":1,\"intent\":\"create\"}"});
}

TEST_F(TailTest, ATruncatedFileStartsOver) {
    append("one\ntwo\n");
    poll();
    truncate_to(0);
    append("x\n");
    EXPECT_TRUE(poll(AuditLogTail::Status::Restarted).empty());
    EXPECT_EQ(poll(), std::vector<std::string>{"1:x"});
}

}  // namespace
}  // namespace ingest::plugins::sink_validator
