#include "record_copies.hpp"

namespace ingest::plugins::sink_postgres {
namespace {

constexpr size_t kAbsent = std::string::npos;

size_t append(std::string& bytes, const char* data, size_t size) {
    if (!data) return kAbsent;
    const size_t at = bytes.size();
    bytes.append(data, size);
    return at;
}

// NUL-terminated, as the ABI's topic and header keys are.
size_t append_text(std::string& bytes, const char* text) {
    const size_t at = append(bytes, text, std::char_traits<char>::length(text));
    bytes.push_back('\0');
    return at;
}

}  // namespace

void RecordCopies::assign(std::span<const sdk::Record> records) {
    bytes_.clear();
    placed_.clear();
    placed_headers_.clear();
    for (const sdk::Record& record : records) {
        const ingest_record& raw = record.raw();
        placed_.push_back({append_text(bytes_, raw.topic), append(bytes_, raw.key.data, raw.key.size),
                           append(bytes_, raw.value.data, raw.value.size), placed_headers_.size()});
        for (size_t h = 0; h < raw.header_count; ++h)
            placed_headers_.push_back({append_text(bytes_, raw.headers[h].key),
                                       append(bytes_, raw.headers[h].value.data, raw.headers[h].value.size)});
    }
    const auto pointer = [&](size_t at) { return at == kAbsent ? nullptr : bytes_.data() + at; };
    headers_.assign(placed_headers_.size(), ingest_header{});
    records_.clear();
    for (size_t i = 0; i < records.size(); ++i) {
        const ingest_record& raw = records[i].raw();
        const Placed& at = placed_[i];
        for (size_t h = 0; h < raw.header_count; ++h) {
            const PlacedHeader& header = placed_headers_[at.first_header + h];
            headers_[at.first_header + h] = {pointer(header.key), {pointer(header.value), raw.headers[h].value.size}};
        }
        records_.push_back({pointer(at.topic), raw.partition, raw.offset, raw.timestamp_ms,
                            {pointer(at.key), raw.key.size}, {pointer(at.value), raw.value.size},
                            raw.header_count ? headers_.data() + at.first_header : nullptr, raw.header_count});
    }
}

}  // namespace ingest::plugins::sink_postgres
