#include "audit_log.hpp"

namespace ingest::plugins::sink_validator {
namespace {

constexpr size_t kSeqExamples = 5;
// A seq this far past the lines read is no position in a stream: report it rather than allocate.
constexpr uint64_t kSeqJumpMax = 1ULL << 32;

std::string list_seqs(const std::vector<uint64_t>& seqs, uint64_t total) {
    std::string text;
    for (uint64_t seq : seqs) text += (text.empty() ? "" : ", ") + std::to_string(seq);
    if (total > seqs.size()) text += ", ...";
    return text;
}

}  // namespace

void AuditLog::note_seq(uint64_t seq) {
    if (seq >= seqs_.size()) {
        if (seq - seqs_.size() > kSeqJumpMax) {
            ++repeated_seqs_;  // reported with the repeated ones: the log is not one stream
            if (repeated_examples_.size() < kSeqExamples) repeated_examples_.push_back(seq);
            return;
        }
        seqs_.resize(seq + 1, false);
    }
    if (seqs_[seq]) {
        ++repeated_seqs_;
        if (repeated_examples_.size() < kSeqExamples) repeated_examples_.push_back(seq);
    }
    seqs_[seq] = true;
}

void AuditLog::add_line(std::string_view line, uint64_t line_number) {
    using Kind = shared::user_events::AuditLineParser::Kind;
    const auto fail = [&](const std::string& problem) {
        throw AuditLogError("line " + std::to_string(line_number) + ": " + problem);
    };
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    if (declared_) fail("a record after the completion line");
    Kind kind = Kind::Blank;
    try {
        kind = parser_.parse(line);
    } catch (const shared::user_events::AuditLineError& error) {
        fail(error.what());
    }
    if (kind == Kind::Completion) {
        declared_ = parser_.totals();
        return;
    }

    const shared::user_events::AuditRecordLine& line_record = parser_.record();
    note_seq(line_record.seq);
    ++observed_.records;
    ++observed_.by_intent[static_cast<size_t>(line_record.intent)];
    if (line_record.status == shared::user_events::AuditStatus::Failed) {
        ++observed_.failed;
        return;
    }
    ++observed_.confirmed;
    ++confirmed_by_intent_[static_cast<size_t>(line_record.intent)];
    auto [slot, inserted] = highest_offsets_.try_emplace(line_record.partition, line_record.offset);
    if (!inserted && slot->second < line_record.offset) slot->second = line_record.offset;
    if (truth_) truth_->add(line_record);
}

std::vector<std::string> AuditLog::inconsistencies() const {
    std::vector<std::string> problems;
    if (!declared_) return problems;
    auto compare = [&](std::string_view what, uint64_t declared, uint64_t seen) {
        if (declared != seen)
            problems.push_back("completion line declares " + std::to_string(declared) + " " +
                               std::string(what) + " but the log holds " + std::to_string(seen));
    };
    compare("records", declared_->records, observed_.records);
    compare("confirmed", declared_->confirmed, observed_.confirmed);
    compare("failed", declared_->failed, observed_.failed);
    if (repeated_seqs_ > 0)
        problems.push_back(std::to_string(repeated_seqs_) + " lines repeat a seq (or leave the "
                           "stream's range): seq " + list_seqs(repeated_examples_, repeated_seqs_));
    std::vector<uint64_t> gaps;
    uint64_t gap_count = 0;
    for (uint64_t seq = 0; seq < seqs_.size(); ++seq)
        if (!seqs_[seq]) {
            ++gap_count;
            if (gaps.size() < kSeqExamples) gaps.push_back(seq);
        }
    if (gap_count > 0)
        problems.push_back(std::to_string(gap_count) + " seqs below " +
                           std::to_string(seqs_.size()) + " have no line: seq " +
                           list_seqs(gaps, gap_count));
    // Per-intent totals may count every record or only the confirmed ones; either reading is fine.
    for (size_t i = 0; i < kIntentCount; ++i)
        if (declared_->by_intent[i] != confirmed_by_intent_[i])
            compare(intent_name(static_cast<Intent>(i)), declared_->by_intent[i], observed_.by_intent[i]);
    return problems;
}

}  // namespace ingest::plugins::sink_validator
