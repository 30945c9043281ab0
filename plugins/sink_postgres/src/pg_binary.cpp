#include "pg_binary.hpp"

namespace ingest::sink_postgres {

void copy_binary_header(std::string& out) {
    static constexpr char kSignature[] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\xff', '\r', '\n', '\0'};
    out.append(kSignature, sizeof(kSignature));
    BinaryWriter writer(out);
    writer.raw_int32(0);  // flags: no OIDs
    writer.raw_int32(0);  // header extension length
}

void copy_binary_trailer(std::string& out) { BinaryWriter(out).raw_int16(-1); }

BinaryArray::BinaryArray(std::string& out, uint32_t element_oid, int32_t count) : writer_(out) {
    out.clear();
    writer_.raw_int32(1);  // dimensions
    writer_.raw_int32(0);  // has NULLs
    writer_.raw_int32(static_cast<int32_t>(element_oid));
    writer_.raw_int32(count);
    writer_.raw_int32(1);  // lower bound
}

}  // namespace ingest::sink_postgres
