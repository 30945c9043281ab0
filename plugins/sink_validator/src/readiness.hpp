// When a verdict is possible: the audit log is complete, the sink has committed up to the end of
// every partition of the source topic, and the validator itself has read both topics to their
// ends. Pure: the task gathers the facts (file, broker, database) and asks what is still missing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ingest::plugins::sink_validator {

struct PartitionProgress {
    int32_t partition = 0;
    int64_t low = 0;   // broker watermarks
    int64_t high = 0;
    std::optional<int64_t> consumed_next;  // the validator's position: last offset read + 1
    bool assigned = false;
    // Highest offset the audit log confirms here, + 1: the topic must reach at least that far,
    // or the audit log describes another run.
    std::optional<int64_t> audited_end;
};

struct ReadinessFacts {
    std::string audit_path;
    // The simulator truncates its audit log when it starts, before its first record: the validator
    // reads the log only once it has seen a record, so it never mistakes an old run's log for this one.
    bool source_seen = false;
    bool audit_found = false;
    // The audit logs are not known yet (their count comes from a stream file not written yet):
    // audit_path then says why.
    bool audit_unresolved = false;
    bool audit_complete = false;
    int64_t audit_records = 0;  // record lines read so far

    std::string source_topic;
    std::string dead_letter_topic;
    std::string sink_connector;

    std::vector<PartitionProgress> source;       // every partition that matters
    std::vector<PartitionProgress> dead_letter;  // the partitions assigned to the validator
    bool dead_letters_expected = false;          // the audit log holds malformed records

    // Next offsets the sink stored per partition of the source topic; nullopt when not read.
    std::optional<std::map<int32_t, int64_t>> sink_offsets;

    std::vector<std::string> problems;  // errors met while gathering (broker, database)
};

// Human-readable list of unmet conditions; empty means "judge now".
std::vector<std::string> missing_conditions(const ReadinessFacts& facts);

// Conditions that can never be met: partitions where the sink's next offset is below the log
// start, so records between them were deleted (retention) before the sink read them. Exact only
// when the sink's offsets were read after the watermarks (both only grow).
std::vector<std::string> records_lost_to_sink(const ReadinessFacts& facts);

}  // namespace ingest::plugins::sink_validator
