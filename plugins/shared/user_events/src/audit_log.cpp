#include "shared/user_events/audit_log.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <cstring>
#include <string>
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

// A cursor over a line for the direct scan. Every method returns false when the line is not in
// the exact form write_confirmed_line() gives; the caller then hands the line to the JSON parser.
class Scan {
   public:
    explicit Scan(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

    bool at_end() const { return p_ == end_; }

    bool literal(std::string_view text) {
        if (static_cast<size_t>(end_ - p_) < text.size() || std::memcmp(p_, text.data(), text.size()) != 0)
            return false;
        p_ += text.size();
        return true;
    }

    // A JSON integer as write_int() writes it (no leading zeros, no exponent), within int64.
    bool integer(int64_t& out) {
        const char* start = p_;
        bool negative = false;
        if (p_ < end_ && *p_ == '-') {
            negative = true;
            ++p_;
        }
        if (p_ == end_ || *p_ < '0' || *p_ > '9' || (*p_ == '0' && p_ + 1 < end_ && p_[1] >= '0' && p_[1] <= '9'))
            return false;
        uint64_t value = 0;
        const auto [next, error] = std::from_chars(p_, end_, value);
        if (error != std::errc()) return false;
        const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
        if (value > limit) return false;
        p_ = next;
        if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) {
            p_ = start;
            return false;
        }
        out = negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
        return true;
    }

    // A JSON string (after its opening quote has not been read yet), unescaped into `out`. Raw
    // bytes must be valid UTF-8 and no control characters; \u escapes of surrogates are left to
    // the JSON parser.
    bool string(std::string& out) {
        if (p_ == end_ || *p_ != '"') return false;
        ++p_;
        out.clear();
        for (;;) {
            const char* run = p_;
            while (p_ < end_) {
                const auto c = static_cast<unsigned char>(*p_);
                if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
                ++p_;
            }
            out.append(run, static_cast<size_t>(p_ - run));
            if (p_ == end_) return false;
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c < 0x20) return false;
            if (c >= 0x80) {
                if (!utf8_sequence(out)) return false;
                continue;
            }
            if (!escape(out)) return false;
        }
    }

   private:
    bool utf8_sequence(std::string& out) {
        const auto* bytes = reinterpret_cast<const unsigned char*>(p_);
        const size_t left = static_cast<size_t>(end_ - p_);
        const unsigned char lead = bytes[0];
        size_t length = 0;
        unsigned char low = 0x80;
        unsigned char high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;  // no surrogates
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        } else {
            return false;
        }
        if (left < length || bytes[1] < low || bytes[1] > high) return false;
        for (size_t i = 2; i < length; ++i)
            if (bytes[i] < 0x80 || bytes[i] > 0xBF) return false;
        out.append(p_, length);
        p_ += length;
        return true;
    }

    bool escape(std::string& out) {
        if (end_ - p_ < 2) return false;
        const char kind = p_[1];
        p_ += 2;
        switch (kind) {
            case '"': out.push_back('"'); return true;
            case '\\': out.push_back('\\'); return true;
            case '/': out.push_back('/'); return true;
            case 'b': out.push_back('\b'); return true;
            case 'f': out.push_back('\f'); return true;
            case 'n': out.push_back('\n'); return true;
            case 'r': out.push_back('\r'); return true;
            case 't': out.push_back('\t'); return true;
            case 'u': break;
            default: return false;
        }
        if (end_ - p_ < 4) return false;
        uint32_t code = 0;
        for (int i = 0; i < 4; ++i) {
            const char h = p_[i];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= static_cast<uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') code |= static_cast<uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') code |= static_cast<uint32_t>(h - 'A' + 10);
            else return false;
        }
        if (code >= 0xD800 && code <= 0xDFFF) return false;  // surrogates: the JSON parser's rules
        p_ += 4;
        if (code < 0x80) {
            out.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
        return true;
    }

    const char* p_;
    const char* end_;
};

}  // namespace

bool AuditLineParser::scan_confirmed(std::string_view line) {
    Scan scan(line);
    int64_t seq = 0;
    if (!scan.literal("{\"seq\":") || !scan.integer(seq) || seq < 0) return false;
    if (!scan.literal(",\"intent\":")) return false;
    std::string& name = key_;  // reused before the key is read
    if (!scan.string(name)) return false;
    const auto intent = parse_intent(name);
    if (!intent) return false;
    bool has_key = true;
    if (!scan.literal(",\"key\":")) return false;
    if (scan.literal("null")) {
        has_key = false;
    } else if (!scan.string(key_)) {
        return false;
    }
    bool has_value = true;
    if (!scan.literal(",\"value\":")) return false;
    if (scan.literal("null")) {
        has_value = false;
    } else if (!scan.string(value_)) {
        return false;
    }
    int64_t partition = 0;
    int64_t offset = 0;
    if (!scan.literal(",\"partition\":") || !scan.integer(partition)) return false;
    if (!scan.literal(",\"offset\":") || !scan.integer(offset)) return false;
    if (!scan.literal(",\"status\":\"confirmed\"}") || !scan.at_end()) return false;
    if (partition < 0 || partition > std::numeric_limits<int32_t>::max() || offset < 0) return false;
    record_ = AuditRecordLine{};
    record_.intent = *intent;
    record_.status = AuditStatus::Confirmed;
    record_.seq = static_cast<uint64_t>(seq);
    record_.partition = static_cast<int32_t>(partition);
    record_.offset = offset;
    if (has_key) record_.key = std::string_view(key_);
    if (has_value) record_.value = std::string_view(value_);
    return true;
}

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
    if (direct_scan_ && scan_confirmed(line)) return Kind::Record;
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
