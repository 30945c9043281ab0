// PostgreSQL's binary COPY format, read without libpq's help: the table's timestamps arrive as
// exact microsecond integers and uuids as 16 bytes, so no text formatting (DateStyle, TimeZone)
// can blur the comparison. Pure: the caller feeds the bytes libpq hands out.
#pragma once

#include "core/reconcile.hpp"
#include "core/uuid.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::validator {

class CopyFormatError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

using CopyField = std::optional<std::string_view>;  // nullopt: SQL NULL
using CopyTupleFn = std::function<void(std::span<const CopyField>)>;

class CopyBinaryParser {
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

// The column list the validator selects from the events table, in this order, with these casts.
inline constexpr std::string_view kEventColumns =
    "event_id::uuid, user_id::text, event_type::text, event_time::timestamptz, "
    "received_time::timestamptz, is_valid::boolean, revision::bigint, kafka_partition::bigint, "
    "kafka_offset::bigint";

// One tuple of kEventColumns. Throws CopyFormatError on NULLs or wrong sizes.
TableRow decode_event_row(std::span<const CopyField> fields);
// One tuple of a single uuid column.
Uuid decode_uuid_row(std::span<const CopyField> fields);

}  // namespace ingest::validator
