// Fuzz target: the one event decoder of the data contract (plugins/shared/user_events), which the
// PostgreSQL sink and the validator both run on every record, and the UUID and RFC 3339 codecs it
// relies on.
//
// Input: the record's key on the first line, its value after the first '\n'. An empty first line
// is a record without a key; an input without '\n' is a tombstone (no value). So a corpus file
// reads as "<key>\n<value JSON>".
//
// A verdict is the expected answer to any input; a crash, a leak, undefined behaviour or an
// exception is a finding. Checked properties: one decoder gives the same verdict again after it
// decoded something else (it reuses its parser and buffers); a malformed verdict has a known
// reason code and a message; an event's fields are within the contract; a UUID or timestamp that
// parses formats back to text that parses to the same value.
#include "shared/user_events/event_decoder.hpp"
#include "shared/user_events/rfc3339.hpp"
#include "shared/user_events/uuid.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace ingest::plugins::shared::user_events;

void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "property violated: %s\n", what);
        std::abort();
    }
}

struct Snapshot {
    RecordKind kind;
    Uuid event_id;
    std::string user_id, event_type;
    int64_t event_time_us, received_time_us;
    bool is_valid;
    int32_t revision;
    MalformedReason reason;
    std::string detail;

    explicit Snapshot(const Verdict& verdict)
        : kind(verdict.kind),
          event_id(verdict.kind == RecordKind::Malformed ? Uuid{} : verdict.event_id),
          user_id(verdict.kind == RecordKind::Event ? verdict.event.user_id : ""),
          event_type(verdict.kind == RecordKind::Event ? verdict.event.event_type : ""),
          event_time_us(verdict.kind == RecordKind::Event ? verdict.event.event_time_us : 0),
          received_time_us(verdict.kind == RecordKind::Event ? verdict.event.received_time_us : 0),
          is_valid(verdict.kind == RecordKind::Event && verdict.event.is_valid),
          revision(verdict.kind == RecordKind::Event ? verdict.event.revision : 0),
          reason(verdict.kind == RecordKind::Malformed ? verdict.reason : MalformedReason::NoKey),
          detail(verdict.kind == RecordKind::Malformed ? verdict.detail : "") {}
    bool operator==(const Snapshot&) const = default;
};

void check_verdict(const Verdict& verdict) {
    switch (verdict.kind) {
        case RecordKind::Malformed:
            require(parse_reason_code(reason_code(verdict.reason)) == verdict.reason, "reason codes round-trip");
            require(!verdict.detail.empty(), "a malformed verdict says what is wrong");
            require(!verdict.message().empty(), "a malformed verdict has a message");
            break;
        case RecordKind::Event:
            require(!verdict.event.user_id.empty() && !verdict.event.event_type.empty(), "texts are not empty");
            require(verdict.event.user_id.find('\0') == std::string_view::npos, "user_id has no NUL");
            require(verdict.event.revision >= 0, "revision is not negative");
            break;
        case RecordKind::Tombstone:
            break;
    }
    require(!record_kind_name(verdict.kind).empty(), "every kind has a name");
}

// The codecs on the raw text: whatever parses must format back to what parses the same.
void check_codecs(std::string_view text) {
    if (const auto uuid = parse_uuid(text)) {
        const std::string formatted = format_uuid(*uuid);
        require(formatted.size() == kUuidTextSize, "a formatted UUID has 36 characters");
        require(parse_uuid(formatted) == uuid, "a UUID round-trips through its text");
    }
    const ParsedTimestamp parsed = parse_rfc3339_micros(text);
    if (parsed.ok()) {
        const std::string formatted = format_rfc3339_micros(parsed.micros);
        require(formatted.size() == kTimestampTextSize, "a formatted timestamp has 27 characters");
        const ParsedTimestamp again = parse_rfc3339_micros(formatted);
        require(again.ok() && again.micros == parsed.micros, "a timestamp round-trips through its text");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::optional<std::string_view> key, value;
    if (const size_t newline = input.find('\n'); newline == std::string_view::npos) {
        if (!input.empty()) key = input;
    } else {
        if (newline > 0) key = input.substr(0, newline);
        value = input.substr(newline + 1);
    }

    static EventDecoder decoder;  // one per thread of work, reused as the sink reuses it
    const Verdict& verdict = decoder.decode(key, value);
    check_verdict(verdict);
    const Snapshot first(verdict);
    // Something else in between, then the same record again: the same verdict.
    decoder.decode(std::string_view("0f8fad5b-d9cb-469f-a165-70867728950e"),
                   std::string_view("{\"event_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"user_id\":\"u\","
                                    "\"event_type\":\"t\",\"event_time\":\"2026-11-25T08:00:00Z\","
                                    "\"received_time\":\"2026-11-25T08:00:00Z\",\"is_valid\":true,\"revision\":0}"));
    require(Snapshot(decoder.decode(key, value)) == first, "a reused decoder gives the same verdict");

    check_codecs(input);
    if (key) check_codecs(*key);
    return 0;
}
