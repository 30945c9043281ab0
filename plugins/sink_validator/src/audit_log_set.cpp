#include "audit_log_set.hpp"

#include "shared/user_events/stream_file.hpp"

namespace ingest::plugins::sink_validator {

std::vector<std::string> audit_log_paths(const std::string& path, int64_t tasks) {
    const auto count = static_cast<int32_t>(tasks <= 1 ? 1 : tasks);
    std::vector<std::string> paths;
    for (int32_t task = 0; task < count; ++task)
        paths.push_back(shared::user_events::task_audit_log_path(path, task, count));
    return paths;
}

AuditLogSet::AuditLogSet(size_t files, ExpectedOptions options) : options_(std::move(options)) {
    truth_ = std::make_unique<ExpectedState>(options_);
    logs_.assign(files > 0 ? files : 1, AuditLog(truth_.get()));
}

void AuditLogSet::reset() {
    truth_ = std::make_unique<ExpectedState>(options_);
    logs_.assign(logs_.size(), AuditLog(truth_.get()));
}

bool AuditLogSet::complete() const {
    for (const AuditLog& log : logs_)
        if (!log.complete()) return false;
    return !logs_.empty();
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

ExpectedState& AuditLogSet::finish(const std::vector<std::string>& names) {
    ExpectedState& state = *truth_;
    if (state.finished()) return state;
    state.finish();
    state.counts.failed = static_cast<int64_t>(observed().failed);
    for (size_t i = 0; i < logs_.size(); ++i) {
        const std::string subject =
            logs_.size() == 1
                ? std::string("completion line")
                : "completion line of " + (i < names.size() ? names[i] : "file " + std::to_string(i));
        for (std::string& problem : logs_[i].inconsistencies())
            state.add_audit_inconsistency({subject, std::move(problem)});
    }
    return state;
}

}  // namespace ingest::plugins::sink_validator
