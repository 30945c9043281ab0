#include "event_decoder.hpp"

#include "rfc3339.hpp"

#include <array>
#include <limits>

namespace ingest::sink_postgres {
namespace {

enum FieldId : unsigned {
    kEventId,
    kUserId,
    kEventType,
    kEventTime,
    kReceivedTime,
    kIsValid,
    kRevision,
    kFieldCount
};

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "event_id", "user_id", "event_type", "event_time", "received_time", "is_valid", "revision"};

constexpr unsigned kAllFields = (1u << kFieldCount) - 1;

int field_id(std::string_view name) {
    for (unsigned i = 0; i < kFieldCount; ++i)
        if (kFieldNames[i] == name) return static_cast<int>(i);
    return -1;
}

// Offending input quoted into a reason, cut short (on a UTF-8 boundary) so that a huge value
// does not become a huge dead-letter header.
std::string excerpt(std::string_view text) {
    constexpr size_t kMax = 64;
    size_t cut = text.size();
    if (cut > kMax) {
        cut = kMax;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    }
    std::string quoted;
    quoted.reserve(cut + 5);
    quoted.push_back('\'');
    quoted.append(text.substr(0, cut));
    if (cut < text.size()) quoted.append("...");
    quoted.push_back('\'');
    return quoted;
}

const char* type_name(simdjson::dom::element_type type) {
    using simdjson::dom::element_type;
    switch (type) {
        case element_type::ARRAY: return "array";
        case element_type::OBJECT: return "object";
        case element_type::INT64:
        case element_type::UINT64:
        case element_type::DOUBLE: return "number";
        case element_type::STRING: return "string";
        case element_type::BOOL: return "boolean";
        case element_type::NULL_VALUE: return "null";
    }
    return "unknown";
}

bool fail(std::string& reason, std::string text) {
    reason = std::move(text);
    return false;
}

bool expect_type(simdjson::dom::element value, simdjson::dom::element_type expected, FieldId id,
                 const char* expected_name, std::string& reason) {
    if (value.type() == expected) return true;
    return fail(reason, "field '" + std::string(kFieldNames[id]) + "' must be " + expected_name +
                            ", got " + type_name(value.type()));
}

// Text columns: PostgreSQL's text cannot hold NUL, and an empty id or type carries no meaning.
bool read_text(simdjson::dom::element value, FieldId id, std::string_view& out,
               std::string& reason) {
    if (!expect_type(value, simdjson::dom::element_type::STRING, id, "a string", reason))
        return false;
    out = value.get_string().value_unsafe();
    if (out.empty())
        return fail(reason, "field '" + std::string(kFieldNames[id]) + "' must not be empty");
    if (out.find('\0') != std::string_view::npos)
        return fail(reason, "field '" + std::string(kFieldNames[id]) + "' contains a NUL character");
    return true;
}

bool read_timestamp(simdjson::dom::element value, FieldId id, int64_t& micros,
                    std::string& reason) {
    std::string_view text;
    if (!read_text(value, id, text, reason)) return false;
    const ParsedTimestamp parsed = parse_rfc3339_micros(text);
    if (!parsed.ok())
        return fail(reason, "field '" + std::string(kFieldNames[id]) + "' is not an RFC 3339 " +
                                "timestamp with zone: " + parsed.error + " in " + excerpt(text));
    micros = parsed.micros;
    return true;
}

bool read_revision(simdjson::dom::element value, int32_t& revision, std::string& reason) {
    using simdjson::dom::element_type;
    const auto type = value.type();
    if (type == element_type::INT64) {
        const int64_t number = value.get_int64().value_unsafe();
        if (number >= 0 && number <= std::numeric_limits<int32_t>::max()) {
            revision = static_cast<int32_t>(number);
            return true;
        }
        return fail(reason, "field 'revision' must be an integer from 0 to 2147483647, got " +
                                std::to_string(number));
    }
    if (type == element_type::UINT64 || type == element_type::DOUBLE)
        return fail(reason, "field 'revision' must be an integer from 0 to 2147483647, got " +
                                std::string(type == element_type::DOUBLE ? "a fraction or exponent"
                                                                         : "a larger number"));
    return expect_type(value, element_type::INT64, kRevision, "an integer", reason);
}

std::string missing_fields(unsigned seen) {
    std::string names;
    for (unsigned i = 0; i < kFieldCount; ++i) {
        if (seen & (1u << i)) continue;
        if (!names.empty()) names += ", ";
        names += kFieldNames[i];
    }
    return names;
}

}  // namespace

bool EventDecoder::decode(std::optional<std::string_view> key,
                          std::optional<std::string_view> value, Event& event, StringArena& arena,
                          std::string& reason) {
    if (!key) return fail(reason, "record has no key (expected the event_id)");
    const std::optional<Uuid> key_id = parse_uuid(*key);
    if (!key_id) return fail(reason, "key is not a UUID: " + excerpt(*key));

    event.event_id = *key_id;
    event.tombstone = !value.has_value();
    if (event.tombstone) return true;

    std::string_view event_id_text;
    if (!decode_value(*value, event, arena, event_id_text, reason)) return false;
    // Byte for byte, not as UUID values: Kafka partitions by the key's bytes, so a key spelled
    // differently from its event_id could put versions of one event on different partitions,
    // where their order is not defined.
    if (event_id_text != *key)
        return fail(reason, "key " + excerpt(*key) + " does not match event_id " + excerpt(event_id_text));
    return true;
}

bool EventDecoder::decode_value(std::string_view value, Event& event, StringArena& arena,
                                std::string_view& event_id_text, std::string& reason) {
    padded_.reserve(value.size() + simdjson::SIMDJSON_PADDING);
    padded_.assign(value.data(), value.size());

    simdjson::dom::element document;
    if (auto error = parser_.parse(padded_.data(), padded_.size(), false).get(document))
        return fail(reason, std::string("value is not valid JSON: ") +
                                simdjson::error_message(error));
    simdjson::dom::object object;
    if (document.get_object().get(object))
        return fail(reason, std::string("value must be a JSON object, got ") +
                                type_name(document.type()));

    unsigned seen = 0;
    for (const simdjson::dom::key_value_pair field : object) {
        const int id = field_id(field.key);
        if (id < 0) return fail(reason, "unknown field " + excerpt(field.key));
        if (seen & (1u << id)) return fail(reason, "duplicate field " + excerpt(field.key));
        seen |= 1u << id;

        std::string_view text;
        switch (static_cast<FieldId>(id)) {
            case kEventId:
                if (!read_text(field.value, kEventId, text, reason)) return false;
                if (auto parsed = parse_uuid(text)) {
                    event.event_id = *parsed;
                    event_id_text = text;
                    break;
                }
                return fail(reason, "field 'event_id' is not a UUID: " + excerpt(text));
            case kUserId:
                if (!read_text(field.value, kUserId, text, reason)) return false;
                event.user_id = arena.append(text);
                break;
            case kEventType:
                if (!read_text(field.value, kEventType, text, reason)) return false;
                event.event_type = arena.append(text);
                break;
            case kEventTime:
                if (!read_timestamp(field.value, kEventTime, event.event_time_us, reason))
                    return false;
                break;
            case kReceivedTime:
                if (!read_timestamp(field.value, kReceivedTime, event.received_time_us, reason))
                    return false;
                break;
            case kIsValid:
                if (!expect_type(field.value, simdjson::dom::element_type::BOOL, kIsValid,
                                 "a boolean", reason))
                    return false;
                event.is_valid = field.value.get_bool().value_unsafe();
                break;
            case kRevision:
                if (!read_revision(field.value, event.revision, reason)) return false;
                break;
            case kFieldCount:
                break;
        }
    }
    if (seen != kAllFields) return fail(reason, "missing field(s): " + missing_fields(seen));

    event.late = event.received_time_us - event.event_time_us > late_threshold_us_;
    return true;
}

}  // namespace ingest::sink_postgres
