#include "shared/pg/binary_copy.hpp"

#include <cstring>

namespace ingest::plugins::shared::pg {
namespace {

constexpr char kSignature[] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\xff', '\r', '\n', '\0'};
constexpr size_t kSignatureSize = sizeof(kSignature);

}  // namespace

void copy_binary_header(std::string& out) {
    out.append(kSignature, kSignatureSize);
    BinaryWriter writer(out);
    writer.raw_int32(0);  // flags: no OIDs
    writer.raw_int32(0);  // header extension length
}

void copy_binary_trailer(std::string& out) { BinaryWriter(out).raw_int16(-1); }

BinaryArray::BinaryArray(std::string& out, uint32_t element_oid, int32_t count) : writer_(out) {
    out.clear();
    writer_.raw_int32(1);  // dimensions
    writer_.raw_int32(0);  // has NULLs
    writer_.raw_int32(static_cast<int32_t>(element_oid));
    writer_.raw_int32(count);
    writer_.raw_int32(1);  // lower bound
}

void CopyBinaryReader::feed(std::string_view bytes, const CopyTupleFn& on_tuple) {
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

bool CopyBinaryReader::parse_tuple(const CopyTupleFn& on_tuple) {
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

std::string_view copy_field(std::span<const CopyField> fields, size_t index, const char* column,
                            size_t size) {
    if (index >= fields.size()) throw CopyFormatError(std::string("missing column ") + column);
    if (!fields[index]) throw CopyFormatError(std::string("column ") + column + " is NULL");
    if (size != 0 && fields[index]->size() != size)
        throw CopyFormatError(std::string("column ") + column + " has " +
                              std::to_string(fields[index]->size()) + " bytes, expected " +
                              std::to_string(size));
    return *fields[index];
}

int64_t copy_int8(std::span<const CopyField> fields, size_t index, const char* column) {
    return read_big_endian<int64_t>(copy_field(fields, index, column, 8).data());
}

int32_t copy_int4(std::span<const CopyField> fields, size_t index, const char* column) {
    return read_big_endian<int32_t>(copy_field(fields, index, column, 4).data());
}

bool copy_bool(std::span<const CopyField> fields, size_t index, const char* column) {
    return copy_field(fields, index, column, 1)[0] != 0;
}

Uuid copy_uuid(std::span<const CopyField> fields, size_t index, const char* column) {
    return user_events::uuid_from_bytes(
        reinterpret_cast<const unsigned char*>(copy_field(fields, index, column, 16).data()));
}

int64_t copy_timestamptz(std::span<const CopyField> fields, size_t index, const char* column) {
    return from_pg_timestamp(copy_int8(fields, index, column));
}

}  // namespace ingest::plugins::shared::pg
