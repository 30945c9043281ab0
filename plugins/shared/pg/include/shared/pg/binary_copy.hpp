// PostgreSQL's binary wire formats: rows of `COPY ... (FORMAT binary)` written and read, and
// one-dimensional arrays as binary statement parameters. Binary saves the server from parsing
// text and the plugins from escaping it, and hands timestamps back as exact microsecond integers
// and uuids as 16 bytes, so no text setting (DateStyle, TimeZone) can blur a comparison.
// Pure byte work, no I/O.
#pragma once

#include "shared/user_events/uuid.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ingest::plugins::shared::pg {

using user_events::Uuid;

// Type OIDs of the built-in types used here (fixed in PostgreSQL's catalog).
namespace pg_oid {
constexpr uint32_t kBool = 16;
constexpr uint32_t kInt8 = 20;
constexpr uint32_t kInt4 = 23;
constexpr uint32_t kText = 25;
constexpr uint32_t kTimestamptz = 1184;
constexpr uint32_t kUuid = 2950;
}  // namespace pg_oid

// PostgreSQL's timestamps count microseconds from 2000-01-01 UTC, 30 years after the Unix epoch.
inline constexpr int64_t kPgEpochInUnixMicros = 946'684'800'000'000LL;
constexpr int64_t to_pg_timestamp(int64_t unix_micros) { return unix_micros - kPgEpochInUnixMicros; }
constexpr int64_t from_pg_timestamp(int64_t pg_micros) { return pg_micros + kPgEpochInUnixMicros; }

// A big-endian integer at `bytes` (which must hold sizeof(Integer) bytes).
template <typename Integer>
Integer read_big_endian(const char* bytes) {
    using Unsigned = std::make_unsigned_t<Integer>;
    Unsigned value = 0;
    for (size_t i = 0; i < sizeof(Integer); ++i)
        value = static_cast<Unsigned>((value << 8) | static_cast<unsigned char>(bytes[i]));
    return static_cast<Integer>(value);
}

// Appends length-prefixed values in network byte order. Both a COPY row and an array are
// sequences of such values, so one writer serves both.
class BinaryWriter {
   public:
    explicit BinaryWriter(std::string& out) : out_(out) {}

    void raw_int16(int16_t value) { append_big_endian(static_cast<uint16_t>(value), 2); }
    void raw_int32(int32_t value) { append_big_endian(static_cast<uint32_t>(value), 4); }
    void raw_int64(int64_t value) { append_big_endian(static_cast<uint64_t>(value), 8); }

    void null_value() { raw_int32(-1); }
    void uuid(const Uuid& value) {
        raw_int32(16);
        out_.append(reinterpret_cast<const char*>(value.bytes.data()), value.bytes.size());
    }
    void text(std::string_view value) {
        raw_int32(static_cast<int32_t>(value.size()));
        out_.append(value);
    }
    void boolean(bool value) {
        raw_int32(1);
        out_.push_back(value ? 1 : 0);
    }
    void int4(int32_t value) {
        raw_int32(4);
        raw_int32(value);
    }
    void int8(int64_t value) {
        raw_int32(8);
        raw_int64(value);
    }
    void timestamptz(int64_t unix_micros) { int8(to_pg_timestamp(unix_micros)); }

    std::string& buffer() { return out_; }

   private:
    // One append per value: byte-wise push_back showed up in profiles of the COPY path.
    void append_big_endian(uint64_t value, int bytes) {
        char buffer[8];
        for (int i = bytes - 1; i >= 0; --i) {
            buffer[i] = static_cast<char>(value & 0xFF);
            value >>= 8;
        }
        out_.append(buffer, static_cast<size_t>(bytes));
    }
    std::string& out_;
};

// COPY ... FROM STDIN (FORMAT binary): a header, rows (a field count, then the fields), a trailer.
void copy_binary_header(std::string& out);
inline void copy_binary_row_start(BinaryWriter& writer, int16_t field_count) {
    writer.raw_int16(field_count);
}
void copy_binary_trailer(std::string& out);

// A one-dimensional array parameter without NULLs: start(), then exactly `count` element
// values through writer(), nothing else in between.
class BinaryArray {
   public:
    BinaryArray(std::string& out, uint32_t element_oid, int32_t count);
    BinaryWriter& writer() { return writer_; }

   private:
    BinaryWriter writer_;
};

class CopyFormatError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

using CopyField = std::optional<std::string_view>;  // nullopt: SQL NULL
using CopyTupleFn = std::function<void(std::span<const CopyField>)>;

// Reads COPY ... TO STDOUT (FORMAT binary) output.
class CopyBinaryReader {
   public:
    // Appends bytes in any chunking; calls on_tuple for every complete tuple (the views live
    // until on_tuple returns). Throws CopyFormatError.
    void feed(std::string_view bytes, const CopyTupleFn& on_tuple);
    // The end-of-data marker was read.
    bool finished() const { return finished_; }

   private:
    // Parses one tuple at `consumed_`; false when the buffer does not hold all of it yet.
    bool parse_tuple(const CopyTupleFn& on_tuple);

    std::string buffer_;
    size_t consumed_ = 0;
    bool header_read_ = false;
    bool finished_ = false;
    std::vector<CopyField> fields_;
};

// Typed access to one tuple's fields; each throws CopyFormatError naming `column` when the field
// is missing, NULL or of the wrong size.
std::string_view copy_field(std::span<const CopyField> fields, size_t index, const char* column,
                            size_t size = 0);
int64_t copy_int8(std::span<const CopyField> fields, size_t index, const char* column);
int32_t copy_int4(std::span<const CopyField> fields, size_t index, const char* column);
bool copy_bool(std::span<const CopyField> fields, size_t index, const char* column);
Uuid copy_uuid(std::span<const CopyField> fields, size_t index, const char* column);
int64_t copy_timestamptz(std::span<const CopyField> fields, size_t index, const char* column);

}  // namespace ingest::plugins::shared::pg
