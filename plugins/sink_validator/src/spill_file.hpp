// The validator's spill files: raw bytes of fixed-size, trivially copyable entries, or of
// length-prefixed records, in files that live only as long as the task that wrote them.
#pragma once

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace ingest::plugins::sink_validator {

// A spill file could not be written or read back: the state it holds is lost.
class SpillError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// Writes `size` bytes to `path`, appending or replacing. Throws SpillError naming the file.
void write_all(const std::string& path, const void* data, size_t size, bool append);
// The whole file (empty when it does not exist). Throws SpillError naming the file.
std::vector<char> read_file(const std::string& path);

// Reads a file front to back through a buffer; a file that does not exist reads as empty.
class SpillReader {
   public:
    explicit SpillReader(const std::string& path);
    ~SpillReader();
    SpillReader(const SpillReader&) = delete;
    SpillReader& operator=(const SpillReader&) = delete;

    // Exactly `size` bytes into `out`; false at the end of the file. Throws SpillError on
    // an I/O error or a file that ends inside an entry.
    bool read(void* out, size_t size);

   private:
    void refill();

    std::string path_;
    int fd_ = -1;
    std::vector<char> buffer_;
    size_t begin_ = 0;
    size_t end_ = 0;
    bool eof_ = false;
};

template <typename T>
void append_raw(std::vector<char>& buffer, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t at = buffer.size();
    buffer.resize(at + sizeof(T));
    std::memcpy(buffer.data() + at, &value, sizeof(T));
}

template <typename T>
std::vector<T> read_all(const std::string& path) {
    static_assert(std::is_trivially_copyable_v<T>);
    const std::vector<char> bytes = read_file(path);
    std::vector<T> values(bytes.size() / sizeof(T));
    if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
    return values;
}

// Streams the file's entries in order without holding the whole file.
template <typename T, typename Fn>
void for_each_raw(const std::string& path, Fn&& fn) {
    static_assert(std::is_trivially_copyable_v<T>);
    SpillReader reader(path);
    T value;
    while (reader.read(&value, sizeof(T))) fn(static_cast<const T&>(value));
}

}  // namespace ingest::plugins::sink_validator
