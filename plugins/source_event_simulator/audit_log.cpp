#include "audit_log.hpp"

#include "json_text.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace ingest::simulator {
namespace {

constexpr size_t kBytesPerLineEstimate = 400;
// Room for a line's fixed text and numbers: field names, seq, partition, offset, status.
constexpr size_t kLineOverhead = 256;

char* write_text(char* out, std::string_view text) {
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
}

template <typename Int>
char* write_int(char* out, Int value) {
    return std::to_chars(out, out + 24, value).ptr;
}

}  // namespace

AuditLog::~AuditLog() {
    try {
        close();
    } catch (...) {
        // A destructor cannot report; stop() closes explicitly and reports failures.
    }
}

void AuditLog::open(const std::string& path, size_t flush_lines) {
    close();
    path_ = path;
    flush_lines_ = flush_lines > 0 ? flush_lines : 1;
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        std::error_code error;
        std::filesystem::create_directories(parent, error);
        if (error)
            throw std::runtime_error("audit log " + path + ": cannot create directory " +
                                     parent.string() + ": " + error.message());
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot open", errno);
    size_ = 0;
    buffered_lines_ = 0;
    reserve(std::min<size_t>(flush_lines_, 1u << 16) * kBytesPerLineEstimate);
}

char* AuditLog::reserve(size_t bytes) {
    if (capacity_ - size_ < bytes) {
        const size_t capacity = std::max(size_ + bytes, capacity_ * 2);
        auto grown = std::make_unique<char[]>(capacity);
        if (size_ > 0) std::memcpy(grown.get(), buffer_.get(), size_);
        buffer_ = std::move(grown);
        capacity_ = capacity;
    }
    return buffer_.get() + size_;
}

char* AuditLog::begin_record(size_t extra, uint64_t seq, Intent intent, std::string_view key,
                             std::optional<std::string_view> value) {
    char* p = reserve(kLineOverhead + extra + json_string_capacity(key.size()) +
                      json_string_capacity(value ? value->size() : 0));
    p = write_text(p, "{\"seq\":");
    p = write_int(p, seq);
    p = write_text(p, ",\"intent\":\"");
    p = write_text(p, intent_name(intent));
    p = write_text(p, "\",\"key\":");
    p = write_json_string(p, key);
    p = write_text(p, ",\"value\":");
    return value ? write_json_string(p, *value) : write_text(p, "null");
}

void AuditLog::confirmed(uint64_t seq, Intent intent, std::string_view key,
                         std::optional<std::string_view> value, int32_t partition,
                         int64_t offset) {
    if (!is_open()) return;
    char* p = begin_record(0, seq, intent, key, value);
    p = write_text(p, ",\"partition\":");
    p = write_int(p, partition);
    p = write_text(p, ",\"offset\":");
    p = write_int(p, offset);
    p = write_text(p, ",\"status\":\"confirmed\"}");
    end_line(p);
}

void AuditLog::failed(uint64_t seq, Intent intent, std::string_view key,
                      std::optional<std::string_view> value, std::string_view error) {
    if (!is_open()) return;
    char* p = begin_record(json_string_capacity(error.size()), seq, intent, key, value);
    p = write_text(p, ",\"partition\":-1,\"offset\":-1,\"status\":\"failed\",\"error\":");
    p = write_json_string(p, error);
    *p++ = '}';
    end_line(p);
}

void AuditLog::complete(const AuditTotals& totals) {
    if (!is_open()) return;
    char* p = reserve(kLineOverhead + kIntentCount * 48);
    p = write_text(p, "{\"complete\":true,\"totals\":{\"records\":");
    p = write_int(p, totals.records);
    p = write_text(p, ",\"confirmed\":");
    p = write_int(p, totals.confirmed);
    p = write_text(p, ",\"failed\":");
    p = write_int(p, totals.failed);
    for (size_t i = 0; i < kIntentCount; ++i) {
        p = write_text(p, ",\"");
        p = write_text(p, kIntentNames[i]);
        p = write_text(p, "\":");
        p = write_int(p, totals.by_intent[i]);
    }
    p = write_text(p, "}}");
    end_line(p);
    sync();
}

void AuditLog::end_line(char* end) {
    *end++ = '\n';
    size_ = static_cast<size_t>(end - buffer_.get());
    if (++buffered_lines_ >= flush_lines_) flush();
}

void AuditLog::flush() {
    if (!is_open()) return;
    const char* data = buffer_.get();
    size_t left = size_;
    while (left > 0) {
        const ssize_t written = ::write(fd_, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            fail("write failed", errno);
        }
        data += written;
        left -= static_cast<size_t>(written);
    }
    size_ = 0;
    buffered_lines_ = 0;
}

void AuditLog::sync() {
    if (!is_open()) return;
    flush();
    if (::fdatasync(fd_) != 0 && errno != EINVAL) fail("fdatasync failed", errno);
}

void AuditLog::close() {
    if (!is_open()) return;
    try {
        sync();
    } catch (...) {
        ::close(fd_);
        fd_ = -1;
        throw;
    }
    const int result = ::close(fd_);
    fd_ = -1;
    if (result != 0) fail("close failed", errno);
}

void AuditLog::fail(const char* what, int error_number) const {
    throw std::runtime_error("audit log " + path_ + ": " + what + ": " + std::strerror(error_number));
}

}  // namespace ingest::simulator
