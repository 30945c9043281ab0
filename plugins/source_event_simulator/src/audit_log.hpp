// The simulator's audit log file: the ground truth the validator compares the topic and the table
// with. One line per record handed over, written when its delivery report arrives, then a
// completion line with the totals; the line format is shared/user_events/audit_log.hpp's
// (schemas/audit_log.schema.json).
//
// Lines collect in a buffer and go to the file with one write() per `flush_lines` lines (and on
// flush()), so the hot path makes no system call per record. What was written survives a crash of
// the process; sync() also asks the kernel to put it on disk.
//
// Opening keeps what the file holds: a restarted task reads it (read_lines()) and continues its
// stream, appending. A regular file is locked (flock) while open, so two tasks never write one log.
#pragma once

#include "shared/user_events/audit_log.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::source_event_simulator {

using shared::user_events::AuditTotals;
using shared::user_events::Intent;

class AuditLog {
   public:
    AuditLog() = default;
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;
    ~AuditLog();

    // Creates the parent directory and the file if needed and keeps its content; new lines are
    // appended. Throws std::runtime_error naming the path and the reason, also when another task
    // holds the file open.
    void open(const std::string& path, size_t flush_lines);
    bool is_open() const { return fd_ >= 0; }
    const std::string& path() const { return path_; }
    // A regular file (not e.g. /dev/null): one that can be read back, continued and truncated.
    bool is_regular_file() const { return regular_; }

    // Calls on_line(line, number) for every complete line the file holds (without its newline,
    // numbered from 1) and returns the bytes they span; the bytes after them (a last line without
    // its newline) are a line cut short by a kill. Before the first new line only.
    template <typename OnLine>
    uint64_t read_lines(OnLine&& on_line) const;
    // The file's size in bytes.
    uint64_t size() const;
    // Keeps only the first `size` bytes (0: empties the file). Before the first new line only.
    void truncate(uint64_t size);

    // value: nullopt for a tombstone. All of these throw std::runtime_error when a write fails.
    void confirmed(uint64_t seq, Intent intent, std::string_view key,
                   std::optional<std::string_view> value, int32_t partition, int64_t offset);
    void failed(uint64_t seq, Intent intent, std::string_view key,
                std::optional<std::string_view> value, std::string_view error);
    void complete(const AuditTotals& totals);

    void flush();  // hands the buffer to the kernel
    void sync();   // flush(), then fdatasync()
    void close();  // sync() and close; idempotent

    size_t buffered_bytes() const { return size_; }

   private:
    // Room for `bytes` more at the end of the buffer; returns where to write.
    char* reserve(size_t bytes);
    void end_line(char* end);
    // Reads up to `size` bytes at `offset`; returns the count (0 at the end of the file).
    size_t read_at(uint64_t offset, char* data, size_t size) const;
    [[noreturn]] void fail(const char* what, int error_number) const;

    int fd_ = -1;
    bool regular_ = false;
    std::string path_;
    // A plain byte buffer rather than std::string: lines are written through a pointer into
    // space reserved for the worst case, which std::string would zero-fill first.
    std::unique_ptr<char[]> buffer_;
    size_t size_ = 0;
    size_t capacity_ = 0;
    size_t flush_lines_ = 1;
    size_t buffered_lines_ = 0;
};

template <typename OnLine>
uint64_t AuditLog::read_lines(OnLine&& on_line) const {
    std::vector<char> chunk(1u << 20);
    std::string partial;  // a line that spans chunks
    uint64_t offset = 0;
    uint64_t complete_bytes = 0;
    uint64_t number = 0;
    while (const size_t got = read_at(offset, chunk.data(), chunk.size())) {
        std::string_view data(chunk.data(), got);
        offset += got;
        while (!data.empty()) {
            const size_t newline = data.find('\n');
            if (newline == std::string_view::npos) {
                partial.append(data);
                break;
            }
            if (partial.empty()) {
                on_line(data.substr(0, newline), ++number);
            } else {
                partial.append(data.substr(0, newline));
                on_line(std::string_view(partial), ++number);
                partial.clear();
            }
            data.remove_prefix(newline + 1);
        }
        complete_bytes = offset - partial.size();
    }
    return complete_bytes;
}

}  // namespace ingest::plugins::source_event_simulator
