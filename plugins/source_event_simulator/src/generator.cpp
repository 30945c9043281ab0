#include "generator.hpp"

#include "malformed.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ingest::plugins::source_event_simulator {
namespace {

// The order of Generator::case_thresholds_; anything past the last threshold is an on-time create.
enum Case : size_t { kMalformed, kDeletion, kInvalidation, kCorrection, kDuplicate, kLate, kCases };

constexpr int64_t kMicrosPerMs = 1000;
constexpr uint64_t kClockSpreadMs = 365ULL * 24 * 3600 * 1000;
// Simulated records per second when unthrottled: keeps event times plausible (about 86M records
// a simulated day) instead of crowding millions of events into one second.
constexpr double kUnthrottledClockRate = 1000.0;
constexpr uint64_t kClockSalt = 0x636c6f636b2d7631ULL;

}  // namespace

void Generator::Ring::push(const EventVersion& version) {
    if (entries_.size() < capacity_) {
        entries_.push_back(version);
        return;
    }
    entries_[next_] = version;
    next_ = (next_ + 1) % capacity_;
}

Generator::Generator(const SimulatorConfig& config)
    : rng_(static_cast<uint64_t>(config.seed)),
      users_(config.users),
      stale_threshold_(probability_threshold(config.duplicate_stale_fraction)),
      ontime_delay_max_us_(config.ontime_delay_max_ms * kMicrosPerMs),
      late_min_us_(config.late_threshold_ms * kMicrosPerMs + kMicrosPerMs),
      late_max_us_(config.late_max_ms * kMicrosPerMs),
      late_distribution_(lateness_distribution_of(config)),
      history_size_(static_cast<size_t>(config.history_size)),
      sent_(history_size_),
      stale_(history_size_) {
    for (const EventType& type : event_types_of(config)) {
        type_names_.push_back(type.name);
        type_weights_.push_back(type.weight);
        type_weight_total_ += type.weight;
        if (type.weight > 0) ++positive_types_;
    }

    double rates[kCases] = {};
    rates[kMalformed] = config.malformed_rate;
    rates[kDeletion] = config.deletion_rate;
    rates[kInvalidation] = config.invalidation_rate;
    rates[kCorrection] = config.correction_rate;
    rates[kDuplicate] = config.duplicate_rate;
    rates[kLate] = config.late_rate;
    double cumulative = 0;
    for (size_t i = 0; i < kCases; ++i) {
        cumulative += rates[i];
        case_thresholds_[i] = probability_threshold(cumulative);
    }

    // The clock's start depends on the seed only, through its own derivation, so that it does not
    // shift the record stream's random numbers.
    uint64_t clock_state = static_cast<uint64_t>(config.seed) ^ kClockSalt;
    clock_us_ = kClockEpochMicros +
                static_cast<int64_t>(splitmix64(clock_state) % kClockSpreadMs) * kMicrosPerMs;
    const double clock_rate = config.rate > 0 ? config.rate : kUnthrottledClockRate;
    clock_gap_max_us_ = static_cast<uint64_t>(std::llround(2e6 / clock_rate));
}

const GeneratedRecord& Generator::next() {
    ++generated_;
    clock_us_ += static_cast<int64_t>(rng_.below(clock_gap_max_us_ + 1));
    record_ = GeneratedRecord{};

    const uint64_t draw = rng_.unit53();
    size_t chosen = 0;
    while (chosen < kCases && draw >= case_thresholds_[chosen]) ++chosen;
    // A case without a target yet (early in the stream) becomes an on-time create.
    switch (chosen) {
        case kMalformed: malformed(); break;
        case kDeletion: if (!remove()) create(false); break;
        case kInvalidation: if (!revise(Intent::Invalidate)) create(false); break;
        case kCorrection: if (!revise(Intent::Correct)) create(false); break;
        case kDuplicate: if (!duplicate()) create(false); break;
        case kLate: create(true); break;
        default: create(false); break;
    }
    return record_;
}

EventVersion Generator::fresh_event() {
    EventVersion version;
    version.event_id = random_uuid(rng_);
    version.user = static_cast<uint32_t>(1 + rng_.below(users_));
    version.first_user = version.user;
    version.type = pick_type();
    version.received_time_us = clock_us_;
    return version;
}

void Generator::create(bool late) {
    EventVersion version = fresh_event();
    version.event_time_us =
        clock_us_ - (late ? lateness_us() : rng_.between(0, ontime_delay_max_us_));
    // A full history forgets a random event: it stays in the table, it just gets no more cases.
    if (live_.size() < history_size_)
        live_.push_back(version);
    else
        live_[rng_.below(live_.size())] = version;
    sent_.push(version);
    record_.late = late;
    emit_value(Intent::Create, version);
}

bool Generator::revise(Intent intent) {
    if (live_.empty()) return false;
    EventVersion& version = live_[rng_.below(live_.size())];
    stale_.push(version);
    ++version.revision;
    version.received_time_us = clock_us_;
    if (intent == Intent::Correct)
        change_fields(version);
    else
        version.is_valid = false;
    sent_.push(version);
    emit_value(intent, version);
    return true;
}

bool Generator::remove() {
    if (live_.empty()) return false;
    const size_t index = rng_.below(live_.size());
    const EventVersion version = live_[index];
    live_[index] = live_.back();
    live_.pop_back();
    stale_.push(version);
    record_.intent = Intent::Delete;
    record_.first_user = version.first_user;
    write_uuid(key_, version.event_id);
    record_.key = std::string_view(key_, kUuidTextSize);
    record_.value = std::nullopt;
    return true;
}

bool Generator::duplicate() {
    const bool want_stale = rng_.unit53() < stale_threshold_;
    const Ring* source = nullptr;
    if (want_stale && !stale_.empty())
        source = &stale_;
    else if (!sent_.empty())
        source = &sent_;
    else if (!stale_.empty())
        source = &stale_;
    if (!source) return false;
    emit_value(Intent::Duplicate, source->pick(rng_));
    return true;
}

void Generator::malformed() {
    EventVersion version = fresh_event();
    version.event_time_us = clock_us_ - rng_.between(0, ontime_delay_max_us_);
    const auto kind = static_cast<MalformedKind>(rng_.below(kMalformedKindCount));
    make_malformed(rng_, kind, version, type_names_[version.type], malformed_key_,
                   malformed_value_);
    record_.intent = Intent::Malformed;
    record_.malformed_kind = kind;
    record_.first_user = version.first_user;
    record_.key = malformed_key_;
    record_.value = std::string_view(malformed_value_);
}

void Generator::change_fields(EventVersion& version) {
    if (positive_types_ >= 2) {
        version.type = pick_type_except(version.type);
    } else if (users_ >= 2) {
        uint32_t user = static_cast<uint32_t>(1 + rng_.below(users_ - 1));
        if (user >= version.user) ++user;
        version.user = user;
    } else {
        // One user, one type: the only thing left to correct is the time.
        version.event_time_us -= kMicrosPerMs;
    }
}

uint16_t Generator::pick_type() {
    uint64_t draw = rng_.below(type_weight_total_);
    uint16_t index = 0;
    while (draw >= type_weights_[index]) draw -= type_weights_[index++];
    return index;
}

uint16_t Generator::pick_type_except(uint16_t excluded) {
    uint64_t draw = rng_.below(type_weight_total_ - type_weights_[excluded]);
    for (uint16_t index = 0;; ++index) {
        if (index == excluded) continue;
        if (draw < type_weights_[index]) return index;
        draw -= type_weights_[index];
    }
}

int64_t Generator::lateness_us() {
    if (late_distribution_ == LatenessDistribution::Uniform)
        return rng_.between(late_min_us_, late_max_us_);
    // Log-uniform over power-of-two bands: each band [2^k, 2^(k+1)) within the bounds is equally
    // likely, then uniform inside it. Integer-only, so every platform draws the same lateness.
    const int low_band = std::bit_width(static_cast<uint64_t>(late_min_us_)) - 1;
    const int high_band = std::bit_width(static_cast<uint64_t>(late_max_us_)) - 1;
    const int band = low_band + static_cast<int>(rng_.below(high_band - low_band + 1));
    const int64_t band_low = std::max(late_min_us_, int64_t{1} << band);
    const int64_t band_high = std::min(late_max_us_, (int64_t{1} << (band + 1)) - 1);
    return rng_.between(band_low, band_high);
}

void Generator::emit_value(Intent intent, const EventVersion& version) {
    record_.intent = intent;
    record_.first_user = version.first_user;
    write_uuid(key_, version.event_id);
    record_.key = std::string_view(key_, kUuidTextSize);
    const size_t size = write_value(value_, version, type_names_[version.type]);
    record_.value = std::string_view(value_, size);
}

}  // namespace ingest::plugins::source_event_simulator
