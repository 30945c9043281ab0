// The audit logs of a source connector with several tasks (the simulator's task i writes
// `<audit.log>.<i>` when tasks.max > 1), read as one: the truth is their union. Each file keeps its
// own completion line; the set is complete only when every file is.
#pragma once

#include "audit_log.hpp"
#include "expected_state.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ingest::plugins::sink_validator {

// The files of `path` written by `tasks` tasks: `path` itself for one task, else path.0 ..
// path.<tasks-1>.
std::vector<std::string> audit_log_paths(const std::string& path, int64_t tasks);

class AuditLogSet {
   public:
    explicit AuditLogSet(size_t files = 1) : logs_(files > 0 ? files : 1) {}

    size_t size() const { return logs_.size(); }
    AuditLog& file(size_t index) { return logs_[index]; }
    const AuditLog& file(size_t index) const { return logs_[index]; }
    // The file was replaced or truncated: forget what its earlier lines built.
    void reset(size_t index) { logs_[index] = AuditLog(); }

    bool complete() const;
    AuditTotals observed() const;  // summed over the files
    // Highest confirmed offset per partition over every file.
    std::map<int32_t, int64_t> highest_offsets() const;
    int64_t malformed_records() const;

   private:
    std::vector<AuditLog> logs_;
};

// The expected state of the union: records from all files in Kafka order (two files claiming the
// same partition and offset are an audit inconsistency, as within one file); each file's
// completion-line disagreements are reported naming the file by its index among `names`.
ExpectedState derive_expected(const AuditLogSet& logs, const std::vector<std::string>& names,
                              int64_t late_threshold_us);

}  // namespace ingest::plugins::sink_validator
