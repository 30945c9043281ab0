// The simulator's audit log (shared/user_events/audit_log.hpp: one line per record handed over,
// then a completion line), parsed into compact records as lines arrive. Pure: the caller supplies
// the lines.
#pragma once

#include "event_value.hpp"
#include "shared/user_events/audit_log.hpp"
#include "shared/user_events/intent.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::sink_validator {

using shared::user_events::AuditTotals;
using shared::user_events::Intent;
using shared::user_events::intent_name;
using shared::user_events::kIntentCount;

// One confirmed line: a record the broker stored at (partition, offset).
struct AuditRecord {
    uint64_t seq = 0;
    Intent intent = Intent::Create;
    int32_t partition = 0;
    int64_t offset = 0;
    uint64_t fingerprint = 0;  // of the exact key and value bytes, see fingerprint.hpp
    uint64_t key_fingerprint = 0;  // of the key alone: what compaction keeps one record of
    ClassifiedRecord record;   // the validator's own reading of key and value
    std::string raw_key;       // kept for malformed records only, for reports
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

    // Where the completion line's totals disagree with the lines actually read, and where the
    // lines break "one line per seq, from 0 to records - 1" (a source that restarts continues its
    // stream and log; it never writes a seq twice).
    std::vector<std::string> inconsistencies() const;

   private:
    void note_seq(uint64_t seq);

    std::vector<AuditRecord> confirmed_;
    AuditTotals observed_;
    std::array<uint64_t, kIntentCount> confirmed_by_intent_{};
    std::optional<AuditTotals> declared_;
    std::map<int32_t, int64_t> highest_offsets_;
    int64_t malformed_records_ = 0;
    std::vector<bool> seqs_;  // by seq: a line was read
    uint64_t repeated_seqs_ = 0;
    std::vector<uint64_t> repeated_examples_;
    shared::user_events::AuditLineParser parser_;
    EventDecoder decoder_;
};

}  // namespace ingest::plugins::sink_validator
