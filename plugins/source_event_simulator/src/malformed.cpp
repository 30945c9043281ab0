#include "malformed.hpp"

#include <array>

namespace ingest::plugins::source_event_simulator {
namespace {

constexpr size_t kEventId = 0, kUserId = 1, kEventTime = 3, kReceivedTime = 4, kIsValid = 5,
                 kRevision = 6;

constexpr char kHexDigits[] = "0123456789abcdef";

std::string quoted(std::string_view text) {
    std::string result;
    result.reserve(text.size() + 2);
    result += '"';
    result += text;
    result += '"';
    return result;
}

// A string that is not a canonical UUID by any reading.
std::string bad_uuid(Rng& rng, const Uuid& uuid) {
    std::string text = format_uuid(uuid);
    switch (rng.below(4)) {
        case 0: {  // a non-hex letter in a hex position
            static constexpr std::array<size_t, 4> kPositions = {0, 9, 14, 35};
            text[kPositions[rng.below(kPositions.size())]] = "ghxz"[rng.below(4)];
            return text;
        }
        case 1:  // one digit short
            text.pop_back();
            return text;
        case 2:  // one digit too many
            return text + kHexDigits[rng.below(16)];
        default:  // not even shaped like one
            return "evt-" + std::to_string(rng.below(1'000'000'000));
    }
}

// Text that is not an RFC 3339 date-time, derived from a real one so it looks plausible.
std::string bad_timestamp(Rng& rng, int64_t micros) {
    std::string text = format_rfc3339_micros(micros);  // YYYY-MM-DDTHH:MM:SS.ffffffZ
    switch (rng.below(6)) {
        case 0:  // no zone
            text.pop_back();
            return text;
        case 1:  // month 13
            text.replace(5, 2, "13");
            return text;
        case 2:  // hour 25
            text.replace(11, 2, "25");
            return text;
        case 3:  // a date without a time
            return text.substr(0, 10);
        case 4:  // epoch seconds as text
            return std::to_string(micros / 1'000'000);
        default:
            return "yesterday";
    }
}

}  // namespace

void make_malformed(Rng& rng, MalformedKind kind, const EventVersion& base,
                    std::string_view type_name, std::string& key, std::string& value) {
    key = format_uuid(base.event_id);
    JsonFields fields = value_fields(base, type_name);
    switch (kind) {
        case MalformedKind::Truncated: {
            const std::string full = join_fields(fields);
            // Any proper, non-empty prefix leaves the object unclosed; empty would be a
            // different record (an empty value), not a truncated one.
            value = full.substr(0, 1 + rng.below(full.size() - 1));
            return;
        }
        case MalformedKind::NotJson:
            if (rng.below(2) == 0) {
                value = "event_id=" + key + " user_id=user-" + std::to_string(base.user) +
                        " event_type=" + std::string(type_name) + " revision=0";
            } else {
                value = "<event id=\"" + key + "\" user=\"user-" + std::to_string(base.user) +
                        "\" type=\"" + std::string(type_name) + "\"/>";
            }
            return;
        case MalformedKind::MissingField:
            fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(rng.below(fields.size())));
            value = join_fields(fields);
            return;
        case MalformedKind::BadUuid:
            key = bad_uuid(rng, base.event_id);
            fields[kEventId].second = quoted(key);
            value = join_fields(fields);
            return;
        case MalformedKind::BadTimestamp: {
            const bool event_time = rng.below(2) == 0;
            fields[event_time ? kEventTime : kReceivedTime].second = quoted(
                bad_timestamp(rng, event_time ? base.event_time_us : base.received_time_us));
            value = join_fields(fields);
            return;
        }
        case MalformedKind::WrongType:
            switch (rng.below(6)) {
                case 0: fields[kRevision].second = "-1"; break;
                case 1: fields[kRevision].second = "\"1\""; break;
                case 2: fields[kRevision].second = "1.5"; break;
                case 3: fields[kIsValid].second = "\"true\""; break;
                case 4: fields[kUserId].second = std::to_string(base.user); break;
                default: fields[kEventTime].second = std::to_string(base.event_time_us / 1000); break;
            }
            value = join_fields(fields);
            return;
        case MalformedKind::KeyMismatch:
            key = format_uuid(random_uuid(rng));
            value = join_fields(fields);
            return;
    }
}

}  // namespace ingest::plugins::source_event_simulator
