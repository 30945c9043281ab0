#include "audit_tail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ingest::plugins::sink_validator {
namespace {

class FileDescriptor {
   public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

   private:
    int fd_;
};

}  // namespace

AuditLogTail::Status AuditLogTail::poll(
    size_t max_bytes, const std::function<void(std::string_view, uint64_t)>& on_line) {
    at_end_ = false;
    FileDescriptor file(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0) {
        if (errno == ENOENT) return Status::Missing;
        throw std::runtime_error("audit log " + path_ + ": " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(file.get(), &info) != 0)
        throw std::runtime_error("audit log " + path_ + ": " + std::strerror(errno));

    const bool replaced = opened_before_ && (info.st_dev != device_ || info.st_ino != inode_);
    const bool truncated = static_cast<uint64_t>(info.st_size) < offset_;
    device_ = info.st_dev;
    inode_ = info.st_ino;
    if (opened_before_ && (replaced || truncated)) {
        offset_ = 0;
        line_number_ = 0;
        partial_.clear();
        return Status::Restarted;
    }
    opened_before_ = true;

    // A line still waiting for its newline may have been cut short by a kill; the restarted
    // source then truncates it and appends other lines in its place. Unless the file still holds
    // the same bytes there, read that line again from its start.
    if (!partial_.empty()) {
        std::string current(partial_.size(), '\0');
        const uint64_t line_start = offset_ - partial_.size();
        ssize_t got = 0;
        do {
            got = ::pread(file.get(), current.data(), current.size(), static_cast<off_t>(line_start));
        } while (got < 0 && errno == EINTR);
        if (got < 0) throw std::runtime_error("audit log " + path_ + ": " + std::strerror(errno));
        if (static_cast<size_t>(got) != current.size() || current != partial_) {
            offset_ = line_start;
            partial_.clear();
        }
    }

    std::vector<char> chunk(1 << 20);
    size_t budget = max_bytes;
    while (budget > 0) {
        const ssize_t got = ::pread(file.get(), chunk.data(), std::min(chunk.size(), budget),
                                    static_cast<off_t>(offset_));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("audit log " + path_ + ": " + std::strerror(errno));
        }
        if (got == 0) {
            at_end_ = true;
            break;
        }
        offset_ += static_cast<uint64_t>(got);
        budget -= std::min(budget, static_cast<size_t>(got));

        std::string_view data(chunk.data(), static_cast<size_t>(got));
        while (!data.empty()) {
            const size_t newline = data.find('\n');
            if (newline == std::string_view::npos) {
                partial_.append(data);
                break;
            }
            ++line_number_;
            if (partial_.empty()) {
                on_line(data.substr(0, newline), line_number_);
            } else {
                partial_.append(data.substr(0, newline));
                on_line(partial_, line_number_);
                partial_.clear();
            }
            data.remove_prefix(newline + 1);
        }
    }
    return Status::Read;
}

}  // namespace ingest::plugins::sink_validator
