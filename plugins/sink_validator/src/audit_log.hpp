// One audit log file of the simulator (shared/user_events/audit_log.hpp: one line per record
// handed over, then a completion line), read line by line as it grows. It checks what the file
// says about itself (one line per seq, the completion totals) and hands every confirmed record to
// the expected state, which folds it at once: no record is kept. Pure: the caller supplies the
// lines.
#pragma once

#include "expected_state.hpp"
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

// A line that is not what the format promises; the message starts with "line N: ".
class AuditLogError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

class AuditLog {
   public:
    // `truth`: where confirmed records go (it must outlive the log); nullptr: counted only.
    explicit AuditLog(ExpectedState* truth = nullptr) : truth_(truth) {}

    // One line without its newline. Blank lines are skipped. Throws AuditLogError.
    void add_line(std::string_view line, uint64_t line_number);

    bool complete() const { return declared_.has_value(); }
    const AuditTotals& observed() const { return observed_; }
    const std::optional<AuditTotals>& declared() const { return declared_; }
    // Highest confirmed offset per partition: where the topic must reach at least.
    const std::map<int32_t, int64_t>& highest_offsets() const { return highest_offsets_; }

    // Where the completion line's totals disagree with the lines actually read, and where the
    // lines break "one line per seq, from 0 to records - 1" (a source that restarts continues its
    // stream and log; it never writes a seq twice).
    std::vector<std::string> inconsistencies() const;

   private:
    void note_seq(uint64_t seq);

    ExpectedState* truth_;
    AuditTotals observed_;
    std::array<uint64_t, kIntentCount> confirmed_by_intent_{};
    std::optional<AuditTotals> declared_;
    std::map<int32_t, int64_t> highest_offsets_;
    std::vector<bool> seqs_;  // by seq: a line was read (one bit a record)
    uint64_t repeated_seqs_ = 0;
    std::vector<uint64_t> repeated_examples_;
    shared::user_events::AuditLineParser parser_;
};

}  // namespace ingest::plugins::sink_validator
