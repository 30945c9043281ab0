#include "jsonl_file.hpp"

#include <ingest/sdk.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sink_jsonl {
namespace {

std::string system_error(const std::string& what, const std::string& path, int error) {
    return what + " '" + path + "': " + std::strerror(error);
}

}  // namespace

JsonlFile::JsonlFile(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw ingest::sdk::FatalError(system_error("cannot open", path_, errno));
}

JsonlFile::~JsonlFile() {
    if (fd_ >= 0) ::close(fd_);
}

void JsonlFile::append(std::string_view lines) {
    struct stat before {};
    if (::fstat(fd_, &before) != 0) throw ingest::sdk::RetriableError(system_error("cannot stat", path_, errno));
    size_t written = 0;
    while (written < lines.size()) {
        const ssize_t n = ::write(fd_, lines.data() + written, lines.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int error = n < 0 ? errno : EIO;
            // A short batch would leave half a line, and the retry would write the rest again.
            if (::ftruncate(fd_, before.st_size) != 0)
                throw ingest::sdk::FatalError(system_error("cannot write", path_, error) +
                                              ", and cannot cut it back to its last whole batch: " +
                                              std::strerror(errno));
            throw ingest::sdk::RetriableError(system_error("cannot write", path_, error));
        }
        written += static_cast<size_t>(n);
    }
}

void JsonlFile::sync() {
    if (::fsync(fd_) != 0) throw ingest::sdk::RetriableError(system_error("cannot fsync", path_, errno));
}

}  // namespace sink_jsonl
