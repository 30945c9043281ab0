#include "readiness.hpp"

namespace ingest::plugins::sink_validator {
namespace {

std::string name_of(const std::string& topic, int32_t partition) {
    return topic + " partition " + std::to_string(partition);
}

void check_audited(const std::string& topic, const PartitionProgress& progress,
                   std::vector<std::string>& missing) {
    if (progress.audited_end && progress.high < *progress.audited_end)
        missing.push_back(name_of(topic, progress.partition) + " ends at offset " +
                          std::to_string(progress.high) +
                          " but the audit log confirms a record at offset " +
                          std::to_string(*progress.audited_end - 1));
}

void check_consumed(const std::string& topic, const PartitionProgress& progress,
                    std::vector<std::string>& missing) {
    if (progress.high <= progress.low) return;  // nothing to read
    if (!progress.assigned) {
        missing.push_back("validator is not assigned " + name_of(topic, progress.partition) +
                          " (run it with tasks.max=1)");
        return;
    }
    const int64_t position = progress.consumed_next.value_or(progress.low);
    if (position < progress.high)
        missing.push_back("validator has read " + name_of(topic, progress.partition) +
                          " up to offset " + std::to_string(position) + " of " +
                          std::to_string(progress.high));
}

void check_sink(const ReadinessFacts& facts, const PartitionProgress& progress,
                std::vector<std::string>& missing) {
    if (progress.high <= progress.low || !facts.sink_offsets) return;
    const std::string where = name_of(facts.source_topic, progress.partition);
    auto stored = facts.sink_offsets->find(progress.partition);
    if (stored == facts.sink_offsets->end()) {
        missing.push_back("sink " + facts.sink_connector + " has stored no offset for " + where +
                          " (high watermark " + std::to_string(progress.high) + ")");
    } else if (stored->second < progress.high) {
        missing.push_back("sink " + facts.sink_connector + " at offset " +
                          std::to_string(stored->second) + " of " + std::to_string(progress.high) +
                          " on " + where);
    }
}

}  // namespace

std::vector<std::string> records_lost_to_sink(const ReadinessFacts& facts) {
    std::vector<std::string> lost;
    if (!facts.sink_offsets) return lost;
    for (const PartitionProgress& progress : facts.source) {
        auto stored = facts.sink_offsets->find(progress.partition);
        if (stored == facts.sink_offsets->end() || stored->second >= progress.low) continue;
        lost.push_back("records lost: sink " + facts.sink_connector + " can never read " +
                       name_of(facts.source_topic, progress.partition) + " offsets " +
                       std::to_string(stored->second) + ".." + std::to_string(progress.low - 1) +
                       " (" + std::to_string(progress.low - stored->second) +
                       " records): they were deleted from the log (retention) before it read them; "
                       "its next offset is " + std::to_string(stored->second) +
                       ", the log starts at " + std::to_string(progress.low));
    }
    return lost;
}

std::vector<std::string> missing_conditions(const ReadinessFacts& facts) {
    std::vector<std::string> missing;
    if (!facts.source_seen) {
        missing.push_back("no record of " + facts.source_topic +
                          " read yet (the audit log is read once the source has started)");
    } else if (facts.audit_unresolved) {
        missing.push_back(facts.audit_path);
    } else if (!facts.audit_found) {
        missing.push_back("audit log " + facts.audit_path + " not found");
    } else if (!facts.audit_complete) {
        missing.push_back("audit log incomplete (" + std::to_string(facts.audit_records) +
                          " records so far, no completion line)");
    }
    for (const PartitionProgress& progress : facts.source)
        check_audited(facts.source_topic, progress, missing);
    for (const PartitionProgress& progress : facts.source) check_sink(facts, progress, missing);
    for (const PartitionProgress& progress : facts.source)
        check_consumed(facts.source_topic, progress, missing);
    if (facts.dead_letters_expected && facts.dead_letter.empty())
        missing.push_back("validator is not assigned any partition of " + facts.dead_letter_topic);
    for (const PartitionProgress& progress : facts.dead_letter)
        check_consumed(facts.dead_letter_topic, progress, missing);
    missing.insert(missing.end(), facts.problems.begin(), facts.problems.end());
    return missing;
}

}  // namespace ingest::plugins::sink_validator
