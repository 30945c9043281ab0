// Owned copies of a batch's records (topic, key, value, headers), for the dead letters of records
// PostgreSQL refuses after put() returned: the runner's records live only during put().
#pragma once

#include <ingest/sdk.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace ingest::plugins::sink_postgres {

class RecordCopies {
   public:
    // Replaces the copies with `records` (capacity kept).
    void assign(std::span<const sdk::Record> records);
    sdk::Record operator[](size_t index) const { return sdk::Record(records_[index]); }
    size_t size() const { return records_.size(); }

   private:
    // Where a copied range starts in bytes_ (npos: absent); pointers are set once bytes_ stops growing.
    struct Placed {
        size_t topic, key, value, first_header;
    };
    struct PlacedHeader {
        size_t key, value;
    };

    std::string bytes_;                   // every copied byte, back to back
    std::vector<Placed> placed_;          // by record
    std::vector<PlacedHeader> placed_headers_;
    std::vector<ingest_record> records_;  // pointing into bytes_ and headers_
    std::vector<ingest_header> headers_;
};

}  // namespace ingest::plugins::sink_postgres
