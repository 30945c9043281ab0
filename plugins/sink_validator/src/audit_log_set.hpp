// The audit logs of a source connector, read as one: one file per source task (the simulator's
// task i writes `<audit.log>.<i>` when tasks.max > 1, shared/user_events/stream_file.hpp). The
// truth is their union, folded into one expected state as lines arrive. Each file keeps its own
// completion line; the set is complete only when every file is.
#pragma once

#include "audit_log.hpp"
#include "expected_state.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ingest::plugins::sink_validator {

// The files of `path` written by `tasks` tasks: `path` itself for one task, else path.0 ..
// path.<tasks-1>.
std::vector<std::string> audit_log_paths(const std::string& path, int64_t tasks);

class AuditLogSet {
   public:
    explicit AuditLogSet(size_t files = 1, ExpectedOptions options = {});

    size_t size() const { return logs_.size(); }
    AuditLog& file(size_t index) { return logs_[index]; }
    const AuditLog& file(size_t index) const { return logs_[index]; }
    // A file was replaced or truncated: forget what every file built (their records are folded
    // together); the caller reads every file again from its start.
    void reset();

    bool complete() const;
    AuditTotals observed() const;  // summed over the files
    // Highest confirmed offset per partition over every file.
    std::map<int32_t, int64_t> highest_offsets() const;
    int64_t malformed_records() const { return truth_->malformed_records(); }

    ExpectedState& expected() { return *truth_; }
    const ExpectedState& expected() const { return *truth_; }
    // After every file is complete: the expected state of the union, finished, with each file's
    // completion-line disagreements (naming the file by its index among `names` when there are
    // several) and the refused records counted.
    ExpectedState& finish(const std::vector<std::string>& names);

   private:
    ExpectedOptions options_;
    std::unique_ptr<ExpectedState> truth_;  // the logs point to it: it does not move
    std::vector<AuditLog> logs_;
};

}  // namespace ingest::plugins::sink_validator
