// The simulator's audit log file: the ground truth the validator compares the topic and the table
// with. One line per record handed over, written when its delivery report arrives, then a
// completion line with the totals; the line format is shared/user_events/audit_log.hpp's
// (schemas/audit_log.schema.json).
//
// Lines collect in a buffer and go to the file with one write() per `flush_lines` lines (and on
// flush()), so the hot path makes no system call per record. What was written survives a crash of
// the process; sync() also asks the kernel to put it on disk.
#pragma once

#include "shared/user_events/audit_log.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ingest::plugins::source_event_simulator {

using shared::user_events::AuditTotals;
using shared::user_events::Intent;

class AuditLog {
   public:
    AuditLog() = default;
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;
    ~AuditLog();

    // Creates the parent directory if needed and truncates the file. Throws std::runtime_error
    // naming the path and the reason.
    void open(const std::string& path, size_t flush_lines);
    bool is_open() const { return fd_ >= 0; }
    const std::string& path() const { return path_; }

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
    [[noreturn]] void fail(const char* what, int error_number) const;

    int fd_ = -1;
    std::string path_;
    // A plain byte buffer rather than std::string: lines are written through a pointer into
    // space reserved for the worst case, which std::string would zero-fill first.
    std::unique_ptr<char[]> buffer_;
    size_t size_ = 0;
    size_t capacity_ = 0;
    size_t flush_lines_ = 1;
    size_t buffered_lines_ = 0;
};

}  // namespace ingest::plugins::source_event_simulator
