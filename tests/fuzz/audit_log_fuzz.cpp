// Fuzz target: the audit-log line format (plugins/shared/user_events/audit_log.hpp), which the
// simulator writes and the validator reads back as its ground truth.
//
// Input: audit-log text, JSON Lines. Every line goes through one AuditLineParser, as the
// validator reads a log. Then the writers: the first line is taken as a record's key and the rest
// as its value; a confirmed line, a failed line (the whole input as its error) and a completion
// line are written into buffers of exactly the capacity the header promises, and read back.
//
// AuditLineError is the expected answer to a bad line; any other exception, a crash, a leak,
// undefined behaviour or a write past the promised capacity is a finding. Checked properties: a
// line the writers wrote parses back to what was written (key and value byte for byte), provided
// key and value are UTF-8, which JSON requires; otherwise the reader refuses it with AuditLineError.
#include "shared/user_events/audit_log.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
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

// A heap buffer of exactly `capacity` bytes, so that AddressSanitizer sees any write beyond it.
struct Line {
    explicit Line(size_t capacity) : bytes(new char[capacity]) {}
    std::unique_ptr<char[]> bytes;
    std::string_view text(const char* end) const { return {bytes.get(), static_cast<size_t>(end - bytes.get())}; }
};

// Reads back a line the writers wrote: nullopt when the reader refused it.
std::optional<AuditLineParser::Kind> read_back(AuditLineParser& parser, std::string_view line) {
    try {
        return parser.parse(line);
    } catch (const AuditLineError&) {
        return std::nullopt;
    }
}

bool utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    AuditLineParser reader;
    for (size_t at = 0; at <= input.size();) {
        const size_t newline = std::min(input.find('\n', at), input.size());
        try {
            if (reader.parse(input.substr(at, newline - at)) == AuditLineParser::Kind::Record) {
                const AuditRecordLine& record = reader.record();
                if (record.status == AuditStatus::Confirmed)
                    require(record.partition >= 0 && record.offset >= 0, "a confirmed line has a place");
            }
        } catch (const AuditLineError& error) {
            require(error.what()[0] != '\0', "a refused line says why");
        }
        at = newline + 1;
    }

    const size_t newline = input.find('\n');
    const std::string_view key = input.substr(0, newline);
    const std::optional<std::string_view> value =
        newline == std::string_view::npos ? std::nullopt : std::optional(input.substr(newline + 1));
    const bool writable = utf8(key) && (!value || utf8(*value));
    const auto intent = static_cast<Intent>(size % kIntentCount);
    const uint64_t seq = size * 7919;
    const auto partition = static_cast<int32_t>(size % 1024);
    const auto offset = static_cast<int64_t>(size) * 104729;

    AuditLineParser parser;
    {
        Line line(audit_record_line_capacity(key.size(), value ? value->size() : 0));
        const char* end = write_confirmed_line(line.bytes.get(), seq, intent, key, value, partition, offset);
        const auto kind = read_back(parser, line.text(end));
        require(kind.has_value() == writable, "a written confirmed line is read back exactly when it is UTF-8");
        if (kind) {
            require(*kind == AuditLineParser::Kind::Record, "a confirmed line is a record");
            const AuditRecordLine& record = parser.record();
            require(record.status == AuditStatus::Confirmed && record.intent == intent && record.seq == seq &&
                        record.partition == partition && record.offset == offset,
                    "a confirmed line's fields round-trip");
            require(record.key == key, "the key round-trips byte for byte");
            require(record.value == value, "the value round-trips byte for byte");
        }
    }
    {
        Line line(audit_record_line_capacity(key.size(), value ? value->size() : 0, input.size()));
        const char* end = write_failed_line(line.bytes.get(), seq, intent, key, value, input);
        const auto kind = read_back(parser, line.text(end));
        require(kind.has_value() == (writable && utf8(input)), "a written failed line is read back exactly when it is UTF-8");
        if (kind)
            require(*kind == AuditLineParser::Kind::Record && parser.record().status == AuditStatus::Failed &&
                        parser.record().intent == intent,
                    "a failed line round-trips");
    }
    {
        AuditTotals totals;
        totals.records = size;
        totals.confirmed = size / 2;
        totals.failed = size - size / 2;
        for (size_t i = 0; i < kIntentCount && i < size; ++i) totals.by_intent[i] = data[i];
        Line line(kAuditCompletionLineCapacity);
        const char* end = write_completion_line(line.bytes.get(), totals);
        const auto kind = read_back(parser, line.text(end));
        require(kind == AuditLineParser::Kind::Completion && parser.totals() == totals, "a completion line round-trips");
    }
    return 0;
}
