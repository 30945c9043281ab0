#include "core/audit_log.hpp"

#include "core/fingerprint.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace ingest::validator {
namespace {

constexpr std::array<std::string_view, kIntentCount> kIntentNames = {
    "create", "duplicate", "correct", "invalidate", "delete", "malformed"};

[[noreturn]] void fail(uint64_t line_number, const std::string& problem) {
    throw AuditLogError("line " + std::to_string(line_number) + ": " + problem);
}

int64_t integer_field(const boost::json::object& object, std::string_view name,
                      uint64_t line_number) {
    const boost::json::value* value = object.if_contains(name);
    if (!value) fail(line_number, "missing \"" + std::string(name) + "\"");
    if (!value->is_int64()) fail(line_number, "\"" + std::string(name) + "\" is not an integer");
    return value->get_int64();
}

// A string, or nullopt for JSON null; anything else is an error.
std::optional<std::string_view> nullable_string_field(const boost::json::object& object,
                                                      std::string_view name,
                                                      uint64_t line_number) {
    const boost::json::value* value = object.if_contains(name);
    if (!value) fail(line_number, "missing \"" + std::string(name) + "\"");
    if (value->is_null()) return std::nullopt;
    if (!value->is_string()) fail(line_number, "\"" + std::string(name) + "\" is not a string or null");
    return std::string_view(value->get_string());
}

AuditTotals parse_totals(const boost::json::object& line, uint64_t line_number) {
    const boost::json::value* totals_value = line.if_contains("totals");
    if (!totals_value || !totals_value->is_object())
        fail(line_number, "completion line has no \"totals\" object");
    const boost::json::object& totals = totals_value->get_object();
    AuditTotals result;
    result.records = integer_field(totals, "records", line_number);
    result.confirmed = integer_field(totals, "confirmed", line_number);
    result.failed = integer_field(totals, "failed", line_number);
    for (size_t i = 0; i < kIntentCount; ++i)
        result.by_intent[i] = integer_field(totals, kIntentNames[i], line_number);
    return result;
}

}  // namespace

std::string_view intent_name(Intent intent) { return kIntentNames[static_cast<size_t>(intent)]; }

std::optional<Intent> parse_intent(std::string_view name) {
    for (size_t i = 0; i < kIntentCount; ++i)
        if (kIntentNames[i] == name) return static_cast<Intent>(i);
    return std::nullopt;
}

void AuditLog::add_line(std::string_view line, uint64_t line_number) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    if (declared_) fail(line_number, "a record after the completion line");

    boost::system::error_code error;
    boost::json::value parsed = boost::json::parse(line, error);
    if (error) fail(line_number, "not JSON (" + error.message() + ")");
    const boost::json::object* object = parsed.if_object();
    if (!object) fail(line_number, "not a JSON object");

    if (const boost::json::value* complete = object->if_contains("complete")) {
        if (!complete->is_bool() || !complete->get_bool())
            fail(line_number, "\"complete\" is not true");
        declared_ = parse_totals(*object, line_number);
        return;
    }

    const boost::json::value* intent_value = object->if_contains("intent");
    if (!intent_value || !intent_value->is_string()) fail(line_number, "missing \"intent\"");
    auto intent = parse_intent(std::string_view(intent_value->get_string()));
    if (!intent)
        fail(line_number, "unknown intent \"" + std::string(intent_value->get_string()) + "\"");

    const boost::json::value* status_value = object->if_contains("status");
    if (!status_value || !status_value->is_string()) fail(line_number, "missing \"status\"");
    const std::string_view status(status_value->get_string());

    ++observed_.records;
    ++observed_.by_intent[static_cast<size_t>(*intent)];
    if (status == "failed") {
        ++observed_.failed;
        return;
    }
    if (status != "confirmed") fail(line_number, "unknown status \"" + std::string(status) + "\"");

    AuditRecord record;
    record.seq = static_cast<uint64_t>(integer_field(*object, "seq", line_number));
    record.intent = *intent;
    const int64_t partition = integer_field(*object, "partition", line_number);
    record.offset = integer_field(*object, "offset", line_number);
    if (partition < 0 || partition > INT32_MAX || record.offset < 0)
        fail(line_number, "confirmed record without a valid partition and offset");
    record.partition = static_cast<int32_t>(partition);

    auto key = nullable_string_field(*object, "key", line_number);
    auto value = nullable_string_field(*object, "value", line_number);
    record.fingerprint = record_fingerprint(key, value);
    record.record = classify_record(key, value);
    if (record.record.kind == RecordKind::Malformed) {
        ++malformed_records_;
        if (key) record.raw_key = std::string(*key);
    }

    ++observed_.confirmed;
    ++confirmed_by_intent_[static_cast<size_t>(*intent)];
    auto [slot, inserted] = highest_offsets_.try_emplace(record.partition, record.offset);
    if (!inserted && slot->second < record.offset) slot->second = record.offset;
    confirmed_.push_back(std::move(record));
}

std::vector<std::string> AuditLog::inconsistencies() const {
    std::vector<std::string> problems;
    if (!declared_) return problems;
    auto compare = [&](std::string_view what, int64_t declared, int64_t seen) {
        if (declared != seen)
            problems.push_back("completion line declares " + std::to_string(declared) + " " +
                               std::string(what) + " but the log holds " + std::to_string(seen));
    };
    compare("records", declared_->records, observed_.records);
    compare("confirmed", declared_->confirmed, observed_.confirmed);
    compare("failed", declared_->failed, observed_.failed);
    // Per-intent totals may count every record or only the confirmed ones; either reading is fine.
    for (size_t i = 0; i < kIntentCount; ++i)
        if (declared_->by_intent[i] != confirmed_by_intent_[i])
            compare(kIntentNames[i], declared_->by_intent[i], observed_.by_intent[i]);
    return problems;
}

}  // namespace ingest::validator
