#include "shared/user_events/audit_log.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <cstring>
#include <limits>

namespace ingest::plugins::shared::user_events {
namespace {

char* write_text(char* out, std::string_view text) {
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
}

template <typename Int>
char* write_int(char* out, Int value) {
    return std::to_chars(out, out + 24, value).ptr;
}

char* begin_record(char* p, uint64_t seq, Intent intent, std::string_view key,
                   std::optional<std::string_view> value) {
    p = write_text(p, "{\"seq\":");
    p = write_int(p, seq);
    p = write_text(p, ",\"intent\":\"");
    p = write_text(p, intent_name(intent));
    p = write_text(p, "\",\"key\":");
    p = write_json_string(p, key);
    p = write_text(p, ",\"value\":");
    return value ? write_json_string(p, *value) : write_text(p, "null");
}

[[noreturn]] void fail(const std::string& problem) { throw AuditLineError(problem); }

const boost::json::value& member(const boost::json::object& object, std::string_view name) {
    const boost::json::value* value = object.if_contains(name);
    if (!value) fail("missing \"" + std::string(name) + "\"");
    return *value;
}

int64_t integer_field(const boost::json::object& object, std::string_view name) {
    const boost::json::value& value = member(object, name);
    if (!value.is_int64()) fail("\"" + std::string(name) + "\" is not an integer");
    return value.get_int64();
}

uint64_t count_field(const boost::json::object& object, std::string_view name) {
    const int64_t count = integer_field(object, name);
    if (count < 0) fail("\"" + std::string(name) + "\" is negative");
    return static_cast<uint64_t>(count);
}

// A string, or nullopt for JSON null; anything else is an error.
std::optional<std::string_view> nullable_string_field(const boost::json::object& object,
                                                      std::string_view name) {
    const boost::json::value& value = member(object, name);
    if (value.is_null()) return std::nullopt;
    if (!value.is_string()) fail("\"" + std::string(name) + "\" is not a string or null");
    return std::string_view(value.get_string());
}

}  // namespace

char* write_confirmed_line(char* out, uint64_t seq, Intent intent, std::string_view key,
                           std::optional<std::string_view> value, int32_t partition,
                           int64_t offset) {
    char* p = begin_record(out, seq, intent, key, value);
    p = write_text(p, ",\"partition\":");
    p = write_int(p, partition);
    p = write_text(p, ",\"offset\":");
    p = write_int(p, offset);
    return write_text(p, ",\"status\":\"confirmed\"}");
}

char* write_failed_line(char* out, uint64_t seq, Intent intent, std::string_view key,
                        std::optional<std::string_view> value, std::string_view error) {
    char* p = begin_record(out, seq, intent, key, value);
    p = write_text(p, ",\"partition\":-1,\"offset\":-1,\"status\":\"failed\",\"error\":");
    p = write_json_string(p, error);
    *p++ = '}';
    return p;
}

char* write_completion_line(char* out, const AuditTotals& totals) {
    char* p = write_text(out, "{\"complete\":true,\"totals\":{\"records\":");
    p = write_int(p, totals.records);
    p = write_text(p, ",\"confirmed\":");
    p = write_int(p, totals.confirmed);
    p = write_text(p, ",\"failed\":");
    p = write_int(p, totals.failed);
    for (size_t i = 0; i < kIntentCount; ++i) {
        p = write_text(p, ",\"");
        p = write_text(p, kIntentNames[i]);
        p = write_text(p, "\":");
        p = write_int(p, totals.by_intent[i]);
    }
    return write_text(p, "}}");
}

AuditLineParser::Kind AuditLineParser::parse(std::string_view line) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return Kind::Blank;

    boost::system::error_code error;
    document_ = boost::json::parse(line, error);
    if (error) fail("not JSON (" + error.message() + ")");
    const boost::json::object* object = document_.if_object();
    if (!object) fail("not a JSON object");

    if (const boost::json::value* complete = object->if_contains("complete")) {
        if (!complete->is_bool() || !complete->get_bool()) fail("\"complete\" is not true");
        const boost::json::value* totals_value = object->if_contains("totals");
        if (!totals_value || !totals_value->is_object())
            fail("completion line has no \"totals\" object");
        const boost::json::object& totals = totals_value->get_object();
        totals_ = AuditTotals{};
        totals_.records = count_field(totals, "records");
        totals_.confirmed = count_field(totals, "confirmed");
        totals_.failed = count_field(totals, "failed");
        for (size_t i = 0; i < kIntentCount; ++i)
            totals_.by_intent[i] = count_field(totals, kIntentNames[i]);
        return Kind::Completion;
    }

    const boost::json::value* intent_value = object->if_contains("intent");
    if (!intent_value || !intent_value->is_string()) fail("missing \"intent\"");
    const auto intent = parse_intent(std::string_view(intent_value->get_string()));
    if (!intent) fail("unknown intent \"" + std::string(intent_value->get_string()) + "\"");

    const boost::json::value* status_value = object->if_contains("status");
    if (!status_value || !status_value->is_string()) fail("missing \"status\"");
    const std::string_view status(status_value->get_string());

    record_ = AuditRecordLine{};
    record_.intent = *intent;
    if (status != "failed" && status != "confirmed")
        fail("unknown status \"" + std::string(status) + "\"");
    // Every record line has its seq: a source that continues its stream after a restart writes
    // exactly one line per seq, and readers check that.
    const int64_t seq = integer_field(*object, "seq");
    if (seq < 0) fail("\"seq\" is negative");
    record_.seq = static_cast<uint64_t>(seq);
    if (status == "failed") {
        record_.status = AuditStatus::Failed;
        return Kind::Record;
    }
    record_.status = AuditStatus::Confirmed;
    const int64_t partition = integer_field(*object, "partition");
    record_.offset = integer_field(*object, "offset");
    if (partition < 0 || partition > std::numeric_limits<int32_t>::max() || record_.offset < 0)
        fail("confirmed record without a valid partition and offset");
    record_.partition = static_cast<int32_t>(partition);
    record_.key = nullable_string_field(*object, "key");
    record_.value = nullable_string_field(*object, "value");
    return Kind::Record;
}

}  // namespace ingest::plugins::shared::user_events
