#include "audit_log_set.hpp"

namespace ingest::plugins::sink_validator {

std::vector<std::string> audit_log_paths(const std::string& path, int64_t tasks) {
    if (tasks <= 1) return {path};
    std::vector<std::string> paths;
    for (int64_t task = 0; task < tasks; ++task) paths.push_back(path + "." + std::to_string(task));
    return paths;
}

bool AuditLogSet::complete() const {
    for (const AuditLog& log : logs_)
        if (!log.complete()) return false;
    return true;
}

AuditTotals AuditLogSet::observed() const {
    AuditTotals sum;
    for (const AuditLog& log : logs_) {
        const AuditTotals& totals = log.observed();
        sum.records += totals.records;
        sum.confirmed += totals.confirmed;
        sum.failed += totals.failed;
        for (size_t i = 0; i < kIntentCount; ++i) sum.by_intent[i] += totals.by_intent[i];
    }
    return sum;
}

std::map<int32_t, int64_t> AuditLogSet::highest_offsets() const {
    if (logs_.size() == 1) return logs_.front().highest_offsets();
    std::map<int32_t, int64_t> merged;
    for (const AuditLog& log : logs_)
        for (const auto& [partition, offset] : log.highest_offsets()) {
            auto [slot, inserted] = merged.try_emplace(partition, offset);
            if (!inserted && slot->second < offset) slot->second = offset;
        }
    return merged;
}

int64_t AuditLogSet::malformed_records() const {
    int64_t sum = 0;
    for (const AuditLog& log : logs_) sum += log.malformed_records();
    return sum;
}

ExpectedState derive_expected(const AuditLogSet& logs, const std::vector<std::string>& names,
                              int64_t late_threshold_us) {
    if (logs.size() == 1) return derive_expected(logs.file(0), late_threshold_us);
    // One copy of the records, at verdict time only: derivation needs them in one Kafka order.
    std::vector<AuditRecord> confirmed;
    size_t total = 0;
    for (size_t i = 0; i < logs.size(); ++i) total += logs.file(i).confirmed().size();
    confirmed.reserve(total);
    for (size_t i = 0; i < logs.size(); ++i)
        confirmed.insert(confirmed.end(), logs.file(i).confirmed().begin(),
                         logs.file(i).confirmed().end());
    ExpectedState state =
        derive_expected(std::span<const AuditRecord>(confirmed), late_threshold_us);
    state.counts.failed = logs.observed().failed;
    for (size_t i = 0; i < logs.size(); ++i) {
        const std::string subject =
            "completion line of " + (i < names.size() ? names[i] : "file " + std::to_string(i));
        for (std::string& problem : logs.file(i).inconsistencies())
            state.audit_inconsistencies.push_back({subject, std::move(problem)});
    }
    return state;
}

}  // namespace ingest::plugins::sink_validator
