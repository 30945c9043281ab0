// What the audit log confirms at each position of the source topic: the record's fingerprint,
// its seq and whether it is a tombstone, plus (for compacted topics) its key's fingerprint. Dense
// arrays per partition, indexed by offset: 12 bytes a confirmed record (20 with keys), the
// record-sized half of the validator's memory (the other half is the topic's TopicIndex).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace ingest::plugins::sink_validator {

struct AuditPosition {
    int32_t partition = 0;
    int64_t offset = 0;
    uint64_t fingerprint = 0;      // record_fingerprint() of the key and value
    uint64_t seq = 0;              // saturates at kSeqMax
    uint64_t key_fingerprint = 0;  // 0 unless keys are kept
    bool tombstone = false;
};

class AuditPositions {
   public:
    static constexpr uint64_t kSeqMax = (1ULL << 31) - 1;

    explicit AuditPositions(bool keep_keys = true) : keep_keys_(keep_keys) {}

    // A confirmed line at its position. When another line already claims the position, nothing
    // is recorded and that line's seq is returned.
    std::optional<uint64_t> add(const AuditPosition& position);
    std::optional<AuditPosition> at(int32_t partition, int64_t offset) const;
    size_t size() const { return size_; }
    bool keeps_keys() const { return keep_keys_; }
    // Highest confirmed offset per partition.
    std::map<int32_t, int64_t> highest_offsets() const;
    size_t bytes() const;

    // fn(const AuditPosition&) for every confirmed position, in (partition, offset) order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (const auto& [partition, slots] : partitions_)
            for (size_t i = 0; i < slots.fingerprints.size(); ++i)
                if (slots.fingerprints[i] != 0) fn(entry(partition, slots, i));
    }

   private:
    struct Slots {
        int64_t base = 0;
        std::vector<uint64_t> fingerprints;  // 0: no line
        std::vector<uint32_t> seqs;          // top bit: tombstone
        std::vector<uint64_t> keys;          // with keep_keys_ only
    };

    AuditPosition entry(int32_t partition, const Slots& slots, size_t index) const;

    bool keep_keys_;
    std::map<int32_t, Slots> partitions_;
    size_t size_ = 0;
};

}  // namespace ingest::plugins::sink_validator
