#include "core/event_value.hpp"

#include "core/rfc3339.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <limits>

namespace ingest::validator {
namespace {

constexpr std::array<std::string_view, 7> kFields = {
    "event_id", "user_id", "event_type", "event_time", "received_time", "is_valid", "revision"};

ClassifiedRecord malformed(std::string problem) {
    ClassifiedRecord record;
    record.kind = RecordKind::Malformed;
    record.problem = std::move(problem);
    return record;
}

const boost::json::string* string_field(const boost::json::object& object, std::string_view name) {
    const boost::json::value* value = object.if_contains(name);
    return value ? value->if_string() : nullptr;
}

std::optional<int64_t> timestamp_field(const boost::json::object& object, std::string_view name) {
    const boost::json::string* text = string_field(object, name);
    if (!text) return std::nullopt;
    return parse_rfc3339_micros(std::string_view(*text));
}

}  // namespace

ClassifiedRecord classify_record(std::optional<std::string_view> key,
                                 std::optional<std::string_view> value) {
    if (!key) return malformed("record has no key");

    if (!value) {
        auto id = parse_uuid(*key);
        if (!id) return malformed("tombstone key is not a UUID");
        ClassifiedRecord record;
        record.kind = RecordKind::Tombstone;
        record.event_id = *id;
        return record;
    }

    boost::system::error_code error;
    boost::json::value parsed = boost::json::parse(*value, error);
    if (error) return malformed("value is not JSON: " + error.message());
    const boost::json::object* object = parsed.if_object();
    if (!object) return malformed("value is not a JSON object");

    for (std::string_view name : kFields)
        if (!object->contains(name)) return malformed("missing field '" + std::string(name) + "'");
    for (const auto& member : *object) {
        bool known = false;
        for (std::string_view name : kFields) known = known || member.key() == name;
        if (!known) return malformed("unexpected field '" + std::string(member.key()) + "'");
    }

    const boost::json::string* event_id = string_field(*object, "event_id");
    if (!event_id) return malformed("event_id is not a string");
    auto id = parse_uuid(std::string_view(*event_id));
    if (!id) return malformed("event_id is not a UUID");
    if (std::string_view(*event_id) != *key) return malformed("key differs from event_id");

    const boost::json::string* user_id = string_field(*object, "user_id");
    if (!user_id) return malformed("user_id is not a string");
    if (user_id->empty()) return malformed("user_id is empty");
    const boost::json::string* event_type = string_field(*object, "event_type");
    if (!event_type) return malformed("event_type is not a string");
    if (event_type->empty()) return malformed("event_type is empty");

    auto event_time = timestamp_field(*object, "event_time");
    if (!event_time) return malformed("event_time is not an RFC 3339 timestamp");
    auto received_time = timestamp_field(*object, "received_time");
    if (!received_time) return malformed("received_time is not an RFC 3339 timestamp");

    const boost::json::value& is_valid = object->at("is_valid");
    if (!is_valid.is_bool()) return malformed("is_valid is not a boolean");

    const boost::json::value& revision = object->at("revision");
    int64_t revision_number = -1;
    if (revision.is_int64()) {
        revision_number = revision.get_int64();
    } else if (revision.is_uint64()) {
        revision_number = std::numeric_limits<int64_t>::max();
    } else {
        return malformed("revision is not an integer");
    }
    if (revision_number < 0) return malformed("revision is negative");
    if (revision_number > std::numeric_limits<int32_t>::max())
        return malformed("revision does not fit a 32-bit integer");

    ClassifiedRecord record;
    record.kind = RecordKind::Event;
    record.event_id = *id;
    record.fields.user_id = std::string(*user_id);
    record.fields.event_type = std::string(*event_type);
    record.fields.event_time_us = *event_time;
    record.fields.received_time_us = *received_time;
    record.fields.is_valid = is_valid.get_bool();
    record.fields.revision = revision_number;
    return record;
}

}  // namespace ingest::validator
