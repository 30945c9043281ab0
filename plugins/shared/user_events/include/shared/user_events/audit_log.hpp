// The audit log's line format (schemas/audit_log.schema.json): the source writes it, the
// validator reads it. JSON Lines, one line per record handed to the broker, written when its
// delivery report arrives:
//   {"seq":17,"intent":"create","key":"<key>","value":"<exact value>","partition":3,"offset":1234,"status":"confirmed"}
//   {"seq":18,"intent":"delete","key":"<key>","value":null,"partition":-1,"offset":-1,"status":"failed","error":"..."}
// and, once the stream is complete, one line with the totals:
//   {"complete":true,"totals":{"records":N,"confirmed":N,"failed":N,"create":N,...,"malformed":N}}
// `value` null is a tombstone. Key and value are the exact bytes handed over, as JSON strings.
// Each seq (the record's position in its source task's stream) has at most one line: a record
// whose outcome is unknown (no delivery report before a kill or a stop) has none, and the source,
// which continues its stream and log when it restarts, sends it again.
#pragma once

#include "shared/user_events/intent.hpp"
#include "shared/user_events/json_string.hpp"

#include <boost/json/value.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ingest::plugins::shared::user_events {

struct AuditTotals {
    uint64_t records = 0;
    uint64_t confirmed = 0;
    uint64_t failed = 0;
    std::array<uint64_t, kIntentCount> by_intent{};

    bool operator==(const AuditTotals&) const = default;
};

// ---- Writing: straight into a caller's buffer, no allocation (the source's hot path). Lines are
// written without their newline.

// Bytes a record line may need, given its key, value and error sizes.
constexpr size_t audit_record_line_capacity(size_t key_size, size_t value_size,
                                            size_t error_size = 0) {
    // Field names, status and the decimal numbers take well under 256 bytes.
    return 256 + json_string_capacity(key_size) + json_string_capacity(value_size) +
           json_string_capacity(error_size);
}
inline constexpr size_t kAuditCompletionLineCapacity = 256 + kIntentCount * 48;

char* write_confirmed_line(char* out, uint64_t seq, Intent intent, std::string_view key,
                           std::optional<std::string_view> value, int32_t partition,
                           int64_t offset);
char* write_failed_line(char* out, uint64_t seq, Intent intent, std::string_view key,
                        std::optional<std::string_view> value, std::string_view error);
char* write_completion_line(char* out, const AuditTotals& totals);

// ---- Reading.

// A line that is not what the format promises.
class AuditLineError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

enum class AuditStatus : uint8_t { Confirmed, Failed };

// One record line. Views point into the parser and stay valid until its next parse().
struct AuditRecordLine {
    Intent intent = Intent::Create;
    AuditStatus status = AuditStatus::Confirmed;
    uint64_t seq = 0;  // the record's position in its source task's stream, from 0
    // Confirmed lines only: these are required there and not read otherwise.
    int32_t partition = 0;
    int64_t offset = 0;
    std::optional<std::string_view> key;  // nullopt: JSON null
    std::optional<std::string_view> value;  // nullopt: a tombstone
};

// Confirmed record lines exactly as write_confirmed_line() writes them (the fields in that order,
// no whitespace) are read by a direct scan, several times faster than a JSON parser: readers go
// through a million lines per million records. Any other line (failed records, the completion
// line, other spellings) goes through the JSON parser, which also names every problem; both
// readings agree on every line the scan accepts.
class AuditLineParser {
   public:
    enum class Kind : uint8_t { Blank, Record, Completion };

    // `direct_scan` false: every line through the JSON parser (for tests comparing the two).
    explicit AuditLineParser(bool direct_scan = true) : direct_scan_(direct_scan) {}

    // One line without its newline. Throws AuditLineError naming the problem.
    Kind parse(std::string_view line);

    const AuditRecordLine& record() const { return record_; }   // after Kind::Record
    const AuditTotals& totals() const { return totals_; }       // after Kind::Completion

   private:
    // The direct scan of a confirmed record line; false when the line is not in that exact form.
    bool scan_confirmed(std::string_view line);

    bool direct_scan_;
    boost::json::value document_;
    AuditRecordLine record_;
    AuditTotals totals_;
    std::string key_;    // the direct scan's unescaped key and value
    std::string value_;
};

}  // namespace ingest::plugins::shared::user_events
