#include "spill_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ingest::plugins::sink_validator {
namespace {

constexpr size_t kReadBufferBytes = 256 * 1024;

[[noreturn]] void fail(const std::string& what, const std::string& path, int error_number) {
    throw SpillError("spill file " + path + ": " + what + ": " + std::strerror(error_number));
}

}  // namespace

void write_all(const std::string& path, const void* data, size_t size, bool append) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    const int fd = ::open(path.c_str(), flags, 0600);
    if (fd < 0) fail("cannot open", path, errno);
    const char* bytes = static_cast<const char*>(data);
    size_t written = 0;
    while (written < size) {
        const ssize_t result = ::write(fd, bytes + written, size - written);
        if (result < 0) {
            if (errno == EINTR) continue;
            const int error_number = errno;
            ::close(fd);
            fail("cannot write", path, error_number);
        }
        written += static_cast<size_t>(result);
    }
    if (::close(fd) != 0) fail("cannot close", path, errno);
}

std::vector<char> read_file(const std::string& path) {
    std::vector<char> bytes;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return bytes;
        fail("cannot open", path, errno);
    }
    char chunk[64 * 1024];
    for (;;) {
        const ssize_t got = ::read(fd, chunk, sizeof chunk);
        if (got < 0) {
            if (errno == EINTR) continue;
            const int error_number = errno;
            ::close(fd);
            fail("cannot read", path, error_number);
        }
        if (got == 0) break;
        bytes.insert(bytes.end(), chunk, chunk + got);
    }
    ::close(fd);
    return bytes;
}

SpillReader::SpillReader(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        if (errno != ENOENT) fail("cannot open", path, errno);
        eof_ = true;
    }
}

SpillReader::~SpillReader() {
    if (fd_ >= 0) ::close(fd_);
}

void SpillReader::refill() {
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (buffer_.size() < kReadBufferBytes) buffer_.resize(kReadBufferBytes);
    while (!eof_ && end_ < buffer_.size()) {
        const ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
        if (got < 0) {
            if (errno == EINTR) continue;
            fail("cannot read", path_, errno);
        }
        if (got == 0) eof_ = true;
        end_ += static_cast<size_t>(got);
    }
}

bool SpillReader::read(void* out, size_t size) {
    if (end_ - begin_ < size) {
        if (size > kReadBufferBytes)
            throw SpillError("spill file " + path_ + ": entry of " + std::to_string(size) +
                                     " bytes is too large");
        refill();
        if (end_ - begin_ < size) {
            if (end_ == begin_) return false;
            throw SpillError("spill file " + path_ + ": ends inside an entry");
        }
    }
    std::memcpy(out, buffer_.data() + begin_, size);
    begin_ += size;
    return true;
}

}  // namespace ingest::plugins::sink_validator
