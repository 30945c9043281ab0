#include "audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace ingest::plugins::source_event_simulator {
namespace {

constexpr size_t kBytesPerLineEstimate = 400;

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
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot open", errno);
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
        const int error_number = errno;
        ::close(fd_);
        fd_ = -1;
        fail("cannot stat", error_number);
    }
    regular_ = S_ISREG(info.st_mode);
    // Released by close(), or by the kernel when the process dies (kill -9 included).
    if (regular_ && ::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int error_number = errno;
        ::close(fd_);
        fd_ = -1;
        if (error_number == EWOULDBLOCK)
            throw std::runtime_error("audit log " + path +
                                     " is open in another task (another worker, or another "
                                     "connector with the same audit.log): one stream per audit log");
        fail("cannot lock", error_number);
    }
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

size_t AuditLog::read_at(uint64_t offset, char* data, size_t size) const {
    for (;;) {
        const ssize_t got = ::pread(fd_, data, size, static_cast<off_t>(offset));
        if (got >= 0) return static_cast<size_t>(got);
        if (errno != EINTR) fail("read failed", errno);
    }
}

uint64_t AuditLog::size() const {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) fail("cannot stat", errno);
    return static_cast<uint64_t>(info.st_size);
}

void AuditLog::truncate(uint64_t size) {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail("cannot truncate", errno);
}

void AuditLog::confirmed(uint64_t seq, Intent intent, std::string_view key,
                         std::optional<std::string_view> value, int32_t partition,
                         int64_t offset) {
    if (!is_open()) return;
    char* p = reserve(shared::user_events::audit_record_line_capacity(
        key.size(), value ? value->size() : 0));
    end_line(shared::user_events::write_confirmed_line(p, seq, intent, key, value, partition, offset));
}

void AuditLog::failed(uint64_t seq, Intent intent, std::string_view key,
                      std::optional<std::string_view> value, std::string_view error) {
    if (!is_open()) return;
    char* p = reserve(shared::user_events::audit_record_line_capacity(
        key.size(), value ? value->size() : 0, error.size()));
    end_line(shared::user_events::write_failed_line(p, seq, intent, key, value, error));
}

void AuditLog::complete(const AuditTotals& totals) {
    if (!is_open()) return;
    // One more byte than a line needs: end_line() appends the newline.
    char* p = reserve(shared::user_events::kAuditCompletionLineCapacity + 1);
    end_line(shared::user_events::write_completion_line(p, totals));
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

}  // namespace ingest::plugins::source_event_simulator
