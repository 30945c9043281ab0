// The simulator's audit log (JSON Lines, one line per record handed over, then a completion line),
// parsed into compact records as lines arrive. Pure: the caller supplies the lines.
#pragma once

#include "core/event_value.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::validator {

enum class Intent : uint8_t { Create, Duplicate, Correct, Invalidate, Delete, Malformed };
inline constexpr size_t kIntentCount = 6;

std::string_view intent_name(Intent intent);
std::optional<Intent> parse_intent(std::string_view name);

// One confirmed line: a record the broker stored at (partition, offset).
struct AuditRecord {
    uint64_t seq = 0;
    Intent intent = Intent::Create;
    int32_t partition = 0;
    int64_t offset = 0;
    uint64_t fingerprint = 0;  // of the exact key and value bytes, see fingerprint.hpp
    ClassifiedRecord record;   // the validator's own reading of key and value
    std::string raw_key;       // kept for malformed records only, for reports
};

struct AuditTotals {
    int64_t records = 0;
    int64_t confirmed = 0;
    int64_t failed = 0;
    std::array<int64_t, kIntentCount> by_intent{};
};

// A line that is not what the format promises; the message starts with "line N: ".
class AuditLogError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

class AuditLog {
   public:
    // One line without its newline. Blank lines are skipped. Throws AuditLogError.
    void add_line(std::string_view line, uint64_t line_number);

    bool complete() const { return declared_.has_value(); }
    const std::vector<AuditRecord>& confirmed() const { return confirmed_; }
    const AuditTotals& observed() const { return observed_; }
    const std::optional<AuditTotals>& declared() const { return declared_; }
    // Highest confirmed offset per partition: where the topic must reach at least.
    const std::map<int32_t, int64_t>& highest_offsets() const { return highest_offsets_; }
    // Confirmed records the validator reads as malformed: they must show up as dead letters.
    int64_t malformed_records() const { return malformed_records_; }

    // Where the completion line's totals disagree with the lines actually read.
    std::vector<std::string> inconsistencies() const;

   private:
    std::vector<AuditRecord> confirmed_;
    AuditTotals observed_;
    std::array<int64_t, kIntentCount> confirmed_by_intent_{};
    std::optional<AuditTotals> declared_;
    std::map<int32_t, int64_t> highest_offsets_;
    int64_t malformed_records_ = 0;
};

}  // namespace ingest::validator
