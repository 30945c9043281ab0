// Follows the simulator's audit log while it grows: each poll reads only the bytes appended since
// the last one, so a million-line log is parsed once, spread over the run.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ingest::plugins::sink_validator {

class AuditLogTail {
   public:
    enum class Status {
        Missing,    // the file does not exist (yet)
        Read,       // new complete lines (possibly none) were delivered
        Restarted,  // the file was replaced or truncated: drop what earlier lines built, poll again
    };

    explicit AuditLogTail(std::string path) : path_(std::move(path)) {}

    // Delivers complete new lines (without the newline) with their 1-based line numbers, reading
    // at most about `max_bytes`. A trailing line without a newline waits for the next poll; if by
    // then its bytes changed (a line cut short by a kill, truncated by the restarted source and
    // written over), it is read again from its start.
    // Throws std::runtime_error naming the file when it cannot be read.
    Status poll(size_t max_bytes, const std::function<void(std::string_view, uint64_t)>& on_line);

    // Reads the file again from its start at the next poll (the same file: not a Restarted).
    void rewind() {
        offset_ = 0;
        line_number_ = 0;
        partial_.clear();
    }

    // The last poll reached the end of the file.
    bool at_end() const { return at_end_; }
    const std::string& path() const { return path_; }

   private:
    std::string path_;
    uint64_t offset_ = 0;
    uint64_t line_number_ = 0;
    std::string partial_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
    bool opened_before_ = false;
    bool at_end_ = false;
};

}  // namespace ingest::plugins::sink_validator
