// What the validator saw on the topics: a fingerprint for every offset of the source topic and,
// for every dead letter, the source position it came from (Kafka Connect's error headers).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ingest::plugins::sink_validator {

struct DeadLetterEntry {
    uint64_t fingerprint = 0;  // of the dead letter's key and value (the original's, if all is well)
    int64_t copies = 0;        // more than one when a sink retried a batch after dead-lettering
};

// A dead letter whose headers do not name a position of the source topic.
struct StrayDeadLetter {
    int32_t partition = 0;  // where it sits in the dead-letter topic
    int64_t offset = 0;
    std::string problem;
};

// The source position a dead letter names, read from its headers.
struct DeadLetterOrigin {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
};

// nullopt with `problem` set when a header is missing or not a number.
std::optional<DeadLetterOrigin> parse_dead_letter_origin(std::optional<std::string_view> topic,
                                                         std::optional<std::string_view> partition,
                                                         std::optional<std::string_view> offset,
                                                         std::string& problem);

class TopicIndex {
   public:
    void add_source(int32_t partition, int64_t offset, uint64_t fingerprint);
    // The fingerprint seen at that offset of the source topic, or nullopt.
    std::optional<uint64_t> source_at(int32_t partition, int64_t offset) const;
    int64_t source_count() const { return source_count_; }
    // Memory held by the source fingerprints (8 bytes an offset).
    size_t bytes() const {
        size_t total = 0;
        for (const auto& [partition, slots] : source_) total += slots.fingerprints.capacity() * sizeof(uint64_t);
        return total;
    }

    // Calls fn(partition, offset, fingerprint) for every source record seen, in offset order.
    template <typename Fn>
    void for_each_source(Fn&& fn) const {
        for (const auto& [partition, slots] : source_)
            for (size_t i = 0; i < slots.fingerprints.size(); ++i)
                if (slots.fingerprints[i] != 0)
                    fn(partition, slots.base + static_cast<int64_t>(i), slots.fingerprints[i]);
    }

    // A dead letter at (partition, offset) of the dead-letter topic naming a source position.
    // Reading the same dead letter twice (after a re-seek) counts it once.
    void add_dead_letter(int32_t partition, int64_t offset, const DeadLetterOrigin& origin,
                         uint64_t fingerprint);
    void add_stray_dead_letter(StrayDeadLetter stray);
    const DeadLetterEntry* dead_letter_for(int32_t partition, int64_t offset) const;
    const std::map<std::pair<int32_t, int64_t>, DeadLetterEntry>& dead_letters() const {
        return dead_letters_;
    }
    const std::vector<StrayDeadLetter>& stray_dead_letters() const { return strays_; }

   private:
    // Offsets of a partition are dense, so a vector indexed from the first offset seen is the
    // smallest map; 0 marks a hole.
    struct PartitionSlots {
        int64_t base = 0;
        std::vector<uint64_t> fingerprints;
    };

    std::map<int32_t, PartitionSlots> source_;
    int64_t source_count_ = 0;
    std::map<std::pair<int32_t, int64_t>, DeadLetterEntry> dead_letters_;
    std::vector<StrayDeadLetter> strays_;
    std::set<std::pair<int32_t, int64_t>> dead_letter_positions_seen_;
};

}  // namespace ingest::plugins::sink_validator
