// Owned copies of a batch's records (topic, key, value, headers), for the dead letters of records
// PostgreSQL refuses after put() returned: the runner's records live only during put().
#pragma once

#include <ingest/sdk.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ingest::plugins::sink_postgres {

class RecordCopies {
   public:
    // One copied record, readable as an sdk::Record while it and its RecordCopies live.
    class Copy {
       public:
        Copy(Copy&&) = default;  // the headers' storage moves with it
        Copy& operator=(Copy&&) = delete;
        sdk::Record record() const { return sdk::Record(raw_); }

       private:
        friend class RecordCopies;
        Copy() = default;
        ingest_record raw_{};
        std::vector<ingest_header> headers_;
    };

    // Replaces the copies with `records` (capacity kept).
    void assign(std::span<const sdk::Record> records);
    Copy operator[](size_t index) const;
    size_t size() const { return placed_.size(); }

   private:
    // Copies are made for every record and read only for the few PostgreSQL refuses, so a record
    // is its bytes and these 48 bytes; the ABI's view is built when one is read.
    struct Placed {
        size_t at = 0;  // key, then value, in bytes_
        int64_t offset = 0;
        int64_t timestamp_ms = 0;
        int32_t partition = 0;
        uint32_t key_size = 0;
        uint32_t value_size = 0;
        uint32_t first_header = 0;  // in headers_
        uint16_t header_count = 0;
        uint8_t topic = 0;  // in topics_
        bool has_key = false;
        bool has_value = false;  // false: a tombstone
    };
    struct PlacedHeader {
        size_t key = 0;    // NUL-terminated, in bytes_
        size_t value = 0;  // in bytes_; std::string::npos: a null value
        size_t value_size = 0;
    };

    std::vector<std::string> topics_;  // a batch has few topics: each is stored once
    std::string bytes_;                // every copied byte, back to back
    std::vector<Placed> placed_;       // by record
    std::vector<PlacedHeader> headers_;
};

}  // namespace ingest::plugins::sink_postgres
