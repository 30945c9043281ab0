// The simulated stream: which record comes next, and its exact key and value bytes.
//
// Pure and deterministic: the same config (seed included) yields the same records in the same
// order, whatever the pacing, the host or the platform. Nothing here knows about the SDK, Kafka
// or time; event times come from a simulated clock that starts at an instant derived from the seed
// and advances by a random gap per record (mean 1/rate s, or 1 ms when unthrottled).
//
// Model. Each record is one case, drawn with the configured rates: a late create, a duplicate, a
// correction, an invalidation, a deletion, a malformed record, or else an on-time create. The
// generator remembers up to history.size recent live events (targets of corrections,
// invalidations, deletions) and the last history.size records sent (sources of duplicates), plus
// the last history.size records that were superseded or whose event was deleted (sources of the
// stale duplicates that must not win). A case whose target does not exist yet, early in the
// stream, becomes an on-time create instead. A deleted event leaves the live set, so nothing
// follows its tombstone except stale duplicates; new events get fresh random UUIDs.
#pragma once

#include "config.hpp"
#include "malformed_kind.hpp"
#include "record_format.hpp"
#include "rng.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingest::plugins::source_event_simulator {

// 2026-01-01T00:00:00Z: the simulated clock starts within the year after it.
inline constexpr int64_t kClockEpochMicros = 1'767'225'600LL * 1'000'000;

struct GeneratedRecord {
    Intent intent = Intent::Create;
    bool late = false;                  // a create with received - event > late.threshold.ms
    MalformedKind malformed_kind = {};  // set when intent is Malformed
    uint32_t first_user = 0;            // the event's first user (partitioning.hpp)
    std::string_view key;
    std::optional<std::string_view> value;  // nullopt: tombstone
};

class Generator {
   public:
    // `config` must have passed config_def()'s rules.
    explicit Generator(const SimulatorConfig& config);

    // The next record. Its views stay valid until the next call.
    const GeneratedRecord& next();

    uint64_t generated() const { return generated_; }
    int64_t clock_micros() const { return clock_us_; }

   private:
    // Fixed-capacity ring: the last `capacity` entries pushed.
    class Ring {
       public:
        explicit Ring(size_t capacity) : capacity_(capacity) { entries_.reserve(capacity); }
        void push(const EventVersion& version);
        bool empty() const { return entries_.empty(); }
        const EventVersion& pick(Rng& rng) const { return entries_[rng.below(entries_.size())]; }

       private:
        size_t capacity_;
        size_t next_ = 0;
        std::vector<EventVersion> entries_;
    };

    void create(bool late);
    bool revise(Intent intent);
    bool remove();
    bool duplicate();
    void malformed();

    void change_fields(EventVersion& version);
    uint16_t pick_type();
    uint16_t pick_type_except(uint16_t excluded);
    int64_t lateness_us();
    EventVersion fresh_event();
    void emit_value(Intent intent, const EventVersion& version);

    Rng rng_;
    std::vector<std::string> type_names_;
    std::vector<uint64_t> type_weights_;
    uint64_t type_weight_total_ = 0;
    size_t positive_types_ = 0;
    uint64_t users_;
    // Cumulative thresholds for Rng::unit53(), in the order of kCaseOrder in generator.cpp.
    std::array<uint64_t, 6> case_thresholds_{};
    uint64_t stale_threshold_;
    int64_t clock_us_;
    uint64_t clock_gap_max_us_;
    int64_t ontime_delay_max_us_;
    int64_t late_min_us_;
    int64_t late_max_us_;
    LatenessDistribution late_distribution_;
    size_t history_size_;

    std::vector<EventVersion> live_;
    Ring sent_;
    Ring stale_;

    uint64_t generated_ = 0;
    GeneratedRecord record_;
    char key_[kUuidTextSize];
    char value_[kValueCapacity];
    std::string malformed_key_;
    std::string malformed_value_;
};

}  // namespace ingest::plugins::source_event_simulator
