#include "shared/user_events/event_decoder.hpp"

#include "shared/user_events/rfc3339.hpp"

#include <array>
#include <limits>

namespace ingest::plugins::shared::user_events {
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

constexpr std::array<std::string_view, kMalformedReasonCount> kReasonCodes = {
    "no_key",        "key_not_uuid",  "not_json",      "not_object",
    "unknown_field", "duplicate_field", "missing_field", "wrong_type",
    "empty_text",    "nul_character", "bad_uuid",      "bad_timestamp",
    "revision_out_of_range", "key_mismatch", "text_too_long"};

int field_id(std::string_view name) {
    for (unsigned i = 0; i < kFieldCount; ++i)
        if (kFieldNames[i] == name) return static_cast<int>(i);
    return -1;
}

std::string field(FieldId id) { return "field '" + std::string(kFieldNames[id]) + "'"; }

// Offending input quoted into a message, cut short (on a UTF-8 boundary) so that a huge value
// does not become a huge dead-letter header. NUL and other control bytes are shown escaped.
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
    for (char c : text.substr(0, cut)) {
        if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            quoted += "\\u00";
            quoted.push_back(kHex[(c >> 4) & 0xF]);
            quoted.push_back(kHex[c & 0xF]);
        } else {
            quoted.push_back(c);
        }
    }
    if (cut < text.size()) quoted.append("...");
    quoted.push_back('\'');
    return quoted;
}

// Unicode code points in valid UTF-8 (simdjson validated it): every byte but continuation bytes.
size_t code_points(std::string_view utf8) {
    size_t count = 0;
    for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return count;
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

}  // namespace

std::string_view reason_code(MalformedReason reason) {
    return kReasonCodes[static_cast<size_t>(reason)];
}

std::optional<MalformedReason> parse_reason_code(std::string_view code) {
    for (size_t i = 0; i < kReasonCodes.size(); ++i)
        if (kReasonCodes[i] == code) return static_cast<MalformedReason>(i);
    return std::nullopt;
}

std::string_view record_kind_name(RecordKind kind) {
    switch (kind) {
        case RecordKind::Event: return "event";
        case RecordKind::Tombstone: return "tombstone";
        case RecordKind::Malformed: return "malformed";
    }
    return "unknown";
}

std::string Verdict::message() const {
    return std::string(reason_code(reason)) + ": " + detail;
}

bool EventDecoder::fail(MalformedReason reason, std::string detail) {
    verdict_.kind = RecordKind::Malformed;
    verdict_.reason = reason;
    verdict_.detail = std::move(detail);
    return false;
}

const Verdict& EventDecoder::decode(std::optional<std::string_view> key,
                                    std::optional<std::string_view> value) {
    if (!key) {
        fail(MalformedReason::NoKey, "record has no key (expected the event_id)");
        return verdict_;
    }
    const std::optional<Uuid> key_id = parse_uuid(*key);
    if (!key_id) {
        fail(MalformedReason::KeyNotUuid, "key is not a UUID: " + excerpt(*key));
        return verdict_;
    }
    verdict_.event_id = *key_id;
    if (!value) {
        verdict_.kind = RecordKind::Tombstone;
        return verdict_;
    }

    std::string_view event_id_text;
    if (!decode_value(*value, event_id_text)) return verdict_;
    // Byte for byte, not as UUID values: Kafka partitions by the key's bytes, so a key spelled
    // differently from its event_id could put versions of one event on different partitions,
    // where their order is not defined.
    if (event_id_text != *key) {
        fail(MalformedReason::KeyMismatch,
             "key " + excerpt(*key) + " does not match event_id " + excerpt(event_id_text));
        return verdict_;
    }
    verdict_.kind = RecordKind::Event;
    return verdict_;
}

bool EventDecoder::decode_value(std::string_view value, std::string_view& event_id_text) {
    using simdjson::dom::element_type;
    padded_.reserve(value.size() + simdjson::SIMDJSON_PADDING);
    padded_.assign(value.data(), value.size());

    simdjson::dom::element document;
    if (auto error = parser_.parse(padded_.data(), padded_.size(), false).get(document))
        return fail(MalformedReason::NotJson,
                    std::string("value is not valid JSON: ") + simdjson::error_message(error));
    simdjson::dom::object object;
    if (document.get_object().get(object))
        return fail(MalformedReason::NotObject,
                    std::string("value must be a JSON object, got ") + type_name(document.type()));

    auto wrong_type = [&](FieldId id, const char* expected, simdjson::dom::element element) {
        return fail(MalformedReason::WrongType,
                    field(id) + " must be " + expected + ", got " + type_name(element.type()));
    };
    // Text columns: an empty id or type carries no meaning, and PostgreSQL's text cannot hold NUL.
    auto read_text = [&](FieldId id, simdjson::dom::element element, std::string_view& out) {
        if (element.type() != element_type::STRING) return wrong_type(id, "a string", element);
        out = element.get_string().value_unsafe();
        if (out.empty()) return fail(MalformedReason::EmptyText, field(id) + " must not be empty");
        if (out.find('\0') != std::string_view::npos)
            return fail(MalformedReason::NulCharacter,
                        field(id) + " contains a NUL character: " + excerpt(out));
        return true;
    };
    auto read_timestamp = [&](FieldId id, simdjson::dom::element element, int64_t& micros) {
        std::string_view text;
        if (!read_text(id, element, text)) return false;
        const ParsedTimestamp parsed = parse_rfc3339_micros(text);
        if (!parsed.ok())
            return fail(MalformedReason::BadTimestamp,
                        field(id) + " is not an RFC 3339 timestamp with zone: " + parsed.error +
                            " in " + excerpt(text));
        micros = parsed.micros;
        return true;
    };
    auto read_revision = [&](simdjson::dom::element element, int32_t& revision) {
        const auto type = element.type();
        constexpr const char* kRange = "field 'revision' must be an integer from 0 to 2147483647, got ";
        if (type == element_type::INT64) {
            const int64_t number = element.get_int64().value_unsafe();
            if (number >= 0 && number <= std::numeric_limits<int32_t>::max()) {
                revision = static_cast<int32_t>(number);
                return true;
            }
            return fail(MalformedReason::RevisionOutOfRange, kRange + std::to_string(number));
        }
        if (type == element_type::UINT64)
            return fail(MalformedReason::RevisionOutOfRange, std::string(kRange) + "a larger number");
        if (type == element_type::DOUBLE)
            return fail(MalformedReason::RevisionOutOfRange,
                        std::string(kRange) + "a fraction or exponent");
        return wrong_type(kRevision, "an integer", element);
    };

    EventView& event = verdict_.event;
    unsigned seen = 0;
    for (const simdjson::dom::key_value_pair member : object) {
        const int id = field_id(member.key);
        if (id < 0) return fail(MalformedReason::UnknownField, "unknown field " + excerpt(member.key));
        if (seen & (1u << id))
            return fail(MalformedReason::DuplicateField, "duplicate field " + excerpt(member.key));
        seen |= 1u << id;

        switch (static_cast<FieldId>(id)) {
            case kEventId:
                if (!read_text(kEventId, member.value, event_id_text)) return false;
                if (!parse_uuid(event_id_text))
                    return fail(MalformedReason::BadUuid,
                                "field 'event_id' is not a UUID: " + excerpt(event_id_text));
                break;
            case kUserId:
                if (!read_text(kUserId, member.value, event.user_id)) return false;
                // Bytes bound characters from above: only a long value needs counting.
                if (event.user_id.size() > kMaxUserIdLength) {
                    const size_t length = code_points(event.user_id);
                    if (length > kMaxUserIdLength)
                        return fail(MalformedReason::TextTooLong,
                                    field(kUserId) + " is " + std::to_string(length) +
                                        " characters long, more than " + std::to_string(kMaxUserIdLength) +
                                        ": " + excerpt(event.user_id));
                }
                break;
            case kEventType:
                if (!read_text(kEventType, member.value, event.event_type)) return false;
                break;
            case kEventTime:
                if (!read_timestamp(kEventTime, member.value, event.event_time_us)) return false;
                break;
            case kReceivedTime:
                if (!read_timestamp(kReceivedTime, member.value, event.received_time_us))
                    return false;
                break;
            case kIsValid:
                if (member.value.type() != element_type::BOOL)
                    return wrong_type(kIsValid, "a boolean", member.value);
                event.is_valid = member.value.get_bool().value_unsafe();
                break;
            case kRevision:
                if (!read_revision(member.value, event.revision)) return false;
                break;
            case kFieldCount:
                break;
        }
    }
    if (seen != kAllFields) {
        std::string names;
        for (unsigned i = 0; i < kFieldCount; ++i) {
            if (seen & (1u << i)) continue;
            if (!names.empty()) names += ", ";
            names += kFieldNames[i];
        }
        return fail(MalformedReason::MissingField, "missing field(s): " + names);
    }
    return true;
}

}  // namespace ingest::plugins::shared::user_events
