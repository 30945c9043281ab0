#include "core/copy_binary.hpp"

#include <cstring>

namespace ingest::validator {
namespace {

constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with the trailing NUL
constexpr size_t kSignatureSize = 11;
// PostgreSQL's timestamps count from 2000-01-01, the Unix epoch is 30 years earlier.
constexpr int64_t kPostgresEpochMicros = 946'684'800LL * 1'000'000LL;

template <typename Integer>
Integer read_big_endian(const char* bytes) {
    using Unsigned = std::make_unsigned_t<Integer>;
    Unsigned value = 0;
    for (size_t i = 0; i < sizeof(Integer); ++i)
        value = static_cast<Unsigned>((value << 8) | static_cast<unsigned char>(bytes[i]));
    return static_cast<Integer>(value);
}

std::string_view require(std::span<const CopyField> fields, size_t index, const char* column,
                         size_t size = 0) {
    if (index >= fields.size()) throw CopyFormatError(std::string("missing column ") + column);
    if (!fields[index]) throw CopyFormatError(std::string("column ") + column + " is NULL");
    if (size != 0 && fields[index]->size() != size)
        throw CopyFormatError(std::string("column ") + column + " has " +
                              std::to_string(fields[index]->size()) + " bytes, expected " +
                              std::to_string(size));
    return *fields[index];
}

int64_t int64_column(std::span<const CopyField> fields, size_t index, const char* column) {
    return read_big_endian<int64_t>(require(fields, index, column, 8).data());
}

}  // namespace

void CopyBinaryParser::feed(std::string_view bytes, const CopyTupleFn& on_tuple) {
    if (finished_) {
        if (!bytes.empty()) throw CopyFormatError("data after the end-of-data marker");
        return;
    }
    buffer_.append(bytes);
    if (!header_read_) {
        // Signature, flags (int32), header extension length (int32) and extension bytes.
        if (buffer_.size() < kSignatureSize + 8) return;
        if (std::memcmp(buffer_.data(), kSignature, kSignatureSize) != 0)
            throw CopyFormatError("not a binary COPY stream (bad signature)");
        const auto extension = read_big_endian<uint32_t>(buffer_.data() + kSignatureSize + 4);
        if (buffer_.size() < kSignatureSize + 8 + extension) return;
        consumed_ = kSignatureSize + 8 + extension;
        header_read_ = true;
    }
    while (!finished_ && parse_tuple(on_tuple)) {
    }
    // Keep the unparsed tail only; erase lazily so a stream of small rows stays linear.
    if (consumed_ > 0 && (consumed_ == buffer_.size() || consumed_ > (1u << 20))) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
}

bool CopyBinaryParser::parse_tuple(const CopyTupleFn& on_tuple) {
    const char* data = buffer_.data();
    size_t position = consumed_;
    if (buffer_.size() - position < 2) return false;
    const auto field_count = read_big_endian<int16_t>(data + position);
    position += 2;
    if (field_count == -1) {
        finished_ = true;
        consumed_ = position;
        return false;
    }
    if (field_count < 0) throw CopyFormatError("negative field count");
    fields_.clear();
    for (int16_t i = 0; i < field_count; ++i) {
        if (buffer_.size() - position < 4) return false;
        const auto length = read_big_endian<int32_t>(data + position);
        position += 4;
        if (length == -1) {
            fields_.push_back(std::nullopt);
            continue;
        }
        if (length < 0) throw CopyFormatError("negative field length");
        if (buffer_.size() - position < static_cast<size_t>(length)) return false;
        fields_.push_back(std::string_view(data + position, static_cast<size_t>(length)));
        position += static_cast<size_t>(length);
    }
    consumed_ = position;
    on_tuple(std::span<const CopyField>(fields_.data(), fields_.size()));
    return true;
}

TableRow decode_event_row(std::span<const CopyField> fields) {
    if (fields.size() != 9)
        throw CopyFormatError("expected 9 columns, got " + std::to_string(fields.size()));
    TableRow row;
    row.event_id = uuid_from_bytes(
        reinterpret_cast<const unsigned char*>(require(fields, 0, "event_id", 16).data()));
    row.fields.user_id = std::string(require(fields, 1, "user_id"));
    row.fields.event_type = std::string(require(fields, 2, "event_type"));
    row.fields.event_time_us = int64_column(fields, 3, "event_time") + kPostgresEpochMicros;
    row.fields.received_time_us = int64_column(fields, 4, "received_time") + kPostgresEpochMicros;
    row.fields.is_valid = require(fields, 5, "is_valid", 1)[0] != 0;
    row.fields.revision = int64_column(fields, 6, "revision");
    row.partition = static_cast<int32_t>(int64_column(fields, 7, "kafka_partition"));
    row.offset = int64_column(fields, 8, "kafka_offset");
    return row;
}

Uuid decode_uuid_row(std::span<const CopyField> fields) {
    if (fields.size() != 1)
        throw CopyFormatError("expected 1 column, got " + std::to_string(fields.size()));
    return uuid_from_bytes(
        reinterpret_cast<const unsigned char*>(require(fields, 0, "event_id", 16).data()));
}

}  // namespace ingest::validator
