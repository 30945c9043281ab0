#include "record_copies.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace ingest::plugins::sink_postgres {
namespace {

constexpr size_t kAbsent = std::string::npos;

size_t append(std::string& bytes, const char* data, size_t size) {
    if (!data) return kAbsent;
    const size_t at = bytes.size();
    bytes.append(data, size);
    return at;
}

// NUL-terminated, as the ABI's header keys are.
size_t append_text(std::string& bytes, const char* text) {
    const size_t at = append(bytes, text, std::strlen(text));
    bytes.push_back('\0');
    return at;
}

uint32_t narrow(size_t size) {
    if (size > std::numeric_limits<uint32_t>::max()) throw std::length_error("record larger than 4 GiB");
    return static_cast<uint32_t>(size);
}

}  // namespace

void RecordCopies::assign(std::span<const sdk::Record> records) {
    // Reserved once at its exact size: grown by appending, the bytes' capacity would reach up to
    // twice what the largest batch needs.
    size_t total = 0;
    for (const sdk::Record& record : records) {
        const ingest_record& raw = record.raw();
        total += raw.key.size + raw.value.size;
        for (size_t h = 0; h < raw.header_count; ++h)
            total += std::strlen(raw.headers[h].key) + 1 + raw.headers[h].value.size;
    }
    bytes_.clear();
    bytes_.reserve(total);
    placed_.clear();
    placed_.reserve(records.size());
    headers_.clear();
    topics_.clear();
    for (const sdk::Record& record : records) {
        const ingest_record& raw = record.raw();
        Placed placed;
        size_t topic = 0;
        while (topic < topics_.size() && topics_[topic] != raw.topic) ++topic;
        if (topic == topics_.size()) {
            if (topic > std::numeric_limits<uint8_t>::max()) throw std::length_error("more than 256 topics in a batch");
            topics_.emplace_back(raw.topic);
        }
        placed.topic = static_cast<uint8_t>(topic);
        placed.at = bytes_.size();
        placed.offset = raw.offset;
        placed.timestamp_ms = raw.timestamp_ms;
        placed.partition = raw.partition;
        placed.has_key = raw.key.data != nullptr;
        placed.has_value = raw.value.data != nullptr;
        placed.key_size = narrow(raw.key.size);
        placed.value_size = narrow(raw.value.size);
        append(bytes_, raw.key.data, raw.key.size);
        append(bytes_, raw.value.data, raw.value.size);
        if (raw.header_count > std::numeric_limits<uint16_t>::max()) throw std::length_error("more than 65535 headers");
        placed.first_header = narrow(headers_.size());
        placed.header_count = static_cast<uint16_t>(raw.header_count);
        for (size_t h = 0; h < raw.header_count; ++h)
            headers_.push_back({append_text(bytes_, raw.headers[h].key),
                                append(bytes_, raw.headers[h].value.data, raw.headers[h].value.size),
                                raw.headers[h].value.size});
        placed_.push_back(placed);
    }
}

RecordCopies::Copy RecordCopies::operator[](size_t index) const {
    const Placed& placed = placed_.at(index);
    const char* base = bytes_.data();
    Copy copy;
    for (uint32_t h = 0; h < placed.header_count; ++h) {
        const PlacedHeader& header = headers_[placed.first_header + h];
        copy.headers_.push_back({base + header.key,
                                 {header.value == kAbsent ? nullptr : base + header.value, header.value_size}});
    }
    copy.raw_ = {topics_[placed.topic].c_str(),
                 placed.partition,
                 placed.offset,
                 placed.timestamp_ms,
                 {placed.has_key ? base + placed.at : nullptr, placed.key_size},
                 {placed.has_value ? base + placed.at + placed.key_size : nullptr, placed.value_size},
                 copy.headers_.empty() ? nullptr : copy.headers_.data(),
                 copy.headers_.size()};
    return copy;
}

}  // namespace ingest::plugins::sink_postgres
