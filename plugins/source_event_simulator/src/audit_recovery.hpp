// What an existing audit log says about the stream that wrote it, so that a restarted task
// continues that stream instead of starting it over (see SimulatorTask::start_with()).
//
// The log has at most one line per seq (a record's position in the task's deterministic stream):
// `confirmed` or `failed`, written when the record's delivery report arrived. A record that was
// handed to the producer but whose report never came (the process was killed, or the task
// stopped without it) has no line: its outcome is unknown, and the continued stream sends it
// again. Pure: the caller reads the file and hands over its complete lines.
#pragma once

#include "shared/user_events/audit_log.hpp"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::source_event_simulator {

using shared::user_events::AuditTotals;

// A line the simulator cannot have written, or a log that contradicts itself: it cannot be
// continued. The message starts with "line N: ".
class AuditRecoveryError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

class AuditRecovery {
   public:
    // One complete line without its newline. Blank lines are skipped. Throws AuditRecoveryError.
    void add_line(std::string_view line, uint64_t line_number);

    bool empty() const { return totals_.records == 0 && !complete_; }
    bool complete() const { return complete_; }
    // Over the record lines read: records, confirmed, failed and per intent.
    const AuditTotals& totals() const { return totals_; }
    // One past the highest seq with a line: where the stream continues.
    uint64_t next_seq() const { return settled_.size(); }
    // Whether record `seq` has its line (an outcome).
    bool settled(uint64_t seq) const { return seq < settled_.size() && settled_[seq]; }
    // Seqs below next_seq() without a line: records whose outcome is unknown.
    uint64_t unsettled() const { return next_seq() - totals_.records; }
    // The lowest seq without a line (next_seq() when there is none).
    uint64_t first_unsettled() const;
    // Highest confirmed offset per partition: the topic holds at least that much.
    const std::map<int32_t, int64_t>& highest_offsets() const { return highest_offsets_; }

   private:
    shared::user_events::AuditLineParser parser_;
    AuditTotals totals_;
    std::vector<bool> settled_;  // by seq
    std::map<int32_t, int64_t> highest_offsets_;
    bool complete_ = false;
};

}  // namespace ingest::plugins::source_event_simulator
