#include "audit_recovery.hpp"

#include <algorithm>

namespace ingest::plugins::source_event_simulator {
namespace {

// A seq this far past the lines read so far is not a position in a stream this task wrote (the
// gap between consecutive lines is bounded by max.in.flight plus the unwritten audit buffer).
constexpr uint64_t kSeqJumpMax = 1ULL << 32;

}  // namespace

void AuditRecovery::add_line(std::string_view line, uint64_t line_number) {
    using Kind = shared::user_events::AuditLineParser::Kind;
    const auto fail = [&](const std::string& problem) {
        throw AuditRecoveryError("line " + std::to_string(line_number) + ": " + problem);
    };
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    if (complete_) fail("a line after the completion line");
    Kind kind = Kind::Blank;
    try {
        kind = parser_.parse(line);
    } catch (const shared::user_events::AuditLineError& error) {
        fail(error.what());
    }
    if (kind == Kind::Completion) {
        const AuditTotals& declared = parser_.totals();
        if (declared.records != totals_.records || declared.confirmed != totals_.confirmed ||
            declared.failed != totals_.failed)
            fail("the completion line declares " + std::to_string(declared.records) +
                 " records, the log holds " + std::to_string(totals_.records));
        if (unsettled() != 0)
            fail("the completion line follows a log with " + std::to_string(unsettled()) +
                 " records below seq " + std::to_string(next_seq()) + " without a line");
        complete_ = true;
        return;
    }
    if (kind != Kind::Record) return;

    const shared::user_events::AuditRecordLine& record = parser_.record();
    if (record.seq >= settled_.size()) {
        if (record.seq - settled_.size() > kSeqJumpMax)
            fail("seq " + std::to_string(record.seq) + " is far past the " +
                 std::to_string(totals_.records) + " records read so far");
        settled_.resize(record.seq + 1, false);
    }
    if (settled_[record.seq]) fail("a second line for seq " + std::to_string(record.seq));
    settled_[record.seq] = true;

    ++totals_.records;
    ++totals_.by_intent[static_cast<size_t>(record.intent)];
    if (record.status == shared::user_events::AuditStatus::Failed) {
        ++totals_.failed;
        return;
    }
    ++totals_.confirmed;
    auto [slot, inserted] = highest_offsets_.try_emplace(record.partition, record.offset);
    if (!inserted) slot->second = std::max(slot->second, record.offset);
}

uint64_t AuditRecovery::first_unsettled() const {
    const auto found = std::find(settled_.begin(), settled_.end(), false);
    return static_cast<uint64_t>(found - settled_.begin());
}

}  // namespace ingest::plugins::source_event_simulator
