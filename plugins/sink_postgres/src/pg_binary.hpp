// PostgreSQL's binary wire formats for the values the sink sends: rows of `COPY ... (FORMAT
// binary)` and one-dimensional arrays as binary statement parameters. Binary saves the server
// from parsing text and the sink from escaping it. Pure byte building, no I/O.
#pragma once

#include "uuid.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ingest::sink_postgres {

// Type OIDs of the built-in types the sink uses (fixed in PostgreSQL's catalog).
namespace pg_oid {
constexpr uint32_t kBool = 16;
constexpr uint32_t kInt8 = 20;
constexpr uint32_t kInt4 = 23;
constexpr uint32_t kText = 25;
constexpr uint32_t kTimestamptz = 1184;
constexpr uint32_t kUuid = 2950;
}  // namespace pg_oid

// Microseconds since 1970-01-01 UTC to PostgreSQL's timestamp representation (microseconds
// since 2000-01-01 UTC).
constexpr int64_t to_pg_timestamp(int64_t unix_micros) { return unix_micros - 946'684'800'000'000LL; }

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

}  // namespace ingest::sink_postgres
