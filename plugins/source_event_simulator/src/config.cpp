#include "config.hpp"

#include "rng.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <type_traits>

namespace ingest::plugins::source_event_simulator {
namespace {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

std::string quoted(std::string_view text) {
    std::string result;
    result.reserve(text.size() + 2);
    result += '\'';
    result += text;
    result += '\'';
    return result;
}

std::string format_double(double value) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

// Reads typed values and records, per key, why one could not be read.
class Reader {
   public:
    Reader(const ConfigLookup& lookup, std::vector<std::string>& problems)
        : lookup_(lookup), problems_(problems) {}

    std::optional<std::string> text(const char* name) {
        auto value = lookup_(name);
        if (!value) problems_.push_back(std::string(name) + ": missing");
        return value;
    }

    template <typename Int>
    void integer(const char* name, Int& out) {
        auto value = text(name);
        if (!value) return;
        const std::string_view digits = trim(*value);
        long long parsed = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
            problems_.push_back(std::string(name) + ": " + quoted(*value) + " is not an integer");
            return;
        }
        if constexpr (std::is_unsigned_v<Int>) {
            if (parsed < 0) {
                problems_.push_back(std::string(name) + ": " + quoted(*value) + " is negative");
                return;
            }
        }
        out = static_cast<Int>(parsed);
    }

    void real(const char* name, double& out) {
        auto value = text(name);
        if (!value) return;
        const std::string_view digits = trim(*value);
        double parsed = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
            !std::isfinite(parsed)) {
            problems_.push_back(std::string(name) + ": " + quoted(*value) + " is not a number");
            return;
        }
        out = parsed;
    }

   private:
    const ConfigLookup& lookup_;
    std::vector<std::string>& problems_;
};

}  // namespace

std::vector<EventType> parse_event_types(std::string_view text, std::vector<std::string>& problems) {
    const std::string where = std::string(key::kEventTypes) + ": ";
    std::vector<EventType> types;
    std::set<std::string, std::less<>> seen;
    uint64_t total = 0;
    size_t position = 0;
    int index = 0;
    while (position <= text.size()) {
        const size_t comma = std::min(text.find(',', position), text.size());
        const std::string_view entry = trim(text.substr(position, comma - position));
        position = comma + 1;
        ++index;
        const std::string label = "entry " + std::to_string(index) + " " + quoted(entry);

        const size_t colon = entry.find(':');
        if (entry.empty()) {
            problems.push_back(where + "entry " + std::to_string(index) + " is empty");
            continue;
        }
        if (colon == std::string_view::npos) {
            problems.push_back(where + label + " has no weight (expected name:weight)");
            continue;
        }
        const std::string_view name = trim(entry.substr(0, colon));
        const std::string_view weight_text = trim(entry.substr(colon + 1));
        bool ok = true;
        if (name.empty()) {
            problems.push_back(where + label + " has no name");
            ok = false;
        } else if (name.size() > kEventTypeNameMax) {
            problems.push_back(where + label + " has a name longer than " +
                               std::to_string(kEventTypeNameMax) + " characters");
            ok = false;
        } else {
            for (char c : name) {
                if (!is_name_char(c)) {
                    problems.push_back(where + label + " has a name with " + quoted({&c, 1}) +
                                       " (allowed: A-Z a-z 0-9 _ . -)");
                    ok = false;
                    break;
                }
            }
        }
        uint64_t weight = 0;
        auto [end, ec] = std::from_chars(weight_text.data(), weight_text.data() + weight_text.size(),
                                         weight);
        if (weight_text.empty() || ec != std::errc() ||
            end != weight_text.data() + weight_text.size() || weight > kEventTypeWeightMax) {
            problems.push_back(where + label + " has weight " + quoted(weight_text) +
                               ", expected an integer from 0 to " +
                               std::to_string(kEventTypeWeightMax));
            ok = false;
        }
        if (ok && !seen.insert(std::string(name)).second) {
            problems.push_back(where + label + " repeats the name " + quoted(name));
            ok = false;
        }
        if (!ok) continue;
        total += weight;
        types.push_back({std::string(name), weight});
    }
    if (types.size() > kEventTypesMax)
        problems.push_back(where + std::to_string(types.size()) + " event types, at most " +
                           std::to_string(kEventTypesMax) + " are supported");
    if (!types.empty() && total == 0)
        problems.push_back(where + "every weight is 0; at least one must be above 0");
    return types;
}

std::vector<std::string> check_config(const SimulatorConfig& config) {
    std::vector<std::string> problems;
    const std::pair<const char*, double> rates[] = {
        {key::kLateRate, config.rates.late},
        {key::kDuplicateRate, config.rates.duplicate},
        {key::kCorrectionRate, config.rates.correction},
        {key::kInvalidationRate, config.rates.invalidation},
        {key::kDeletionRate, config.rates.deletion},
        {key::kMalformedRate, config.rates.malformed},
    };
    // The runner enforces each rate's range from the table; checking again keeps the sum below
    // meaningful when the core is used on its own.
    double sum = 0;
    std::string terms;
    for (const auto& [name, value] : rates) {
        if (!(value >= 0.0 && value <= 1.0))
            problems.push_back(std::string(name) + ": " + format_double(value) +
                               " is outside [0, 1]");
        sum += value;
        terms += (terms.empty() ? "" : " + ") + std::string(name) + " (" + format_double(value) + ")";
    }
    // Decimal rates such as 0.7 + 0.2 + 0.1 may sum to 1.0000000000000002 in binary.
    if (sum > 1.0 + 1e-9)
        problems.push_back("the case rates sum to " + format_double(sum) + ", above 1: " + terms);

    if (!(config.duplicate_stale_fraction >= 0.0 && config.duplicate_stale_fraction <= 1.0))
        problems.push_back(std::string(key::kDuplicateStaleFraction) + ": " +
                           format_double(config.duplicate_stale_fraction) + " is outside [0, 1]");
    if (config.event_types.empty())
        problems.push_back(std::string(key::kEventTypes) + ": no event types");
    if (config.users == 0) problems.push_back(std::string(key::kUsers) + ": must be at least 1");
    if (config.history_size == 0)
        problems.push_back(std::string(key::kHistorySize) + ": must be at least 1");
    if (config.max_in_flight == 0)
        problems.push_back(std::string(key::kMaxInFlight) + ": must be at least 1");
    if (config.audit_flush_records == 0)
        problems.push_back(std::string(key::kAuditFlushRecords) + ": must be at least 1");
    if (config.late_threshold_ms < 1)
        problems.push_back(std::string(key::kLateThresholdMs) + ": must be at least 1");
    if (config.rates.late > 0 && config.late_max_ms <= config.late_threshold_ms)
        problems.push_back(std::string(key::kLateMaxMs) + " (" + std::to_string(config.late_max_ms) +
                           ") must exceed " + key::kLateThresholdMs + " (" +
                           std::to_string(config.late_threshold_ms) + ") when " + key::kLateRate +
                           " > 0: a late record is later than the threshold");
    if (config.ontime_delay_max_ms < 0 || config.ontime_delay_max_ms > config.late_threshold_ms)
        problems.push_back(std::string(key::kOntimeDelayMaxMs) + " (" +
                           std::to_string(config.ontime_delay_max_ms) + ") must be within [0, " +
                           key::kLateThresholdMs + " (" + std::to_string(config.late_threshold_ms) +
                           ")]: an on-time record is not late");
    if (config.duration_ms < 0)
        problems.push_back(std::string(key::kDurationMs) + ": must not be negative");
    if (!(config.rate >= 0.0) || !std::isfinite(config.rate))
        problems.push_back(std::string(key::kRate) + ": " + format_double(config.rate) +
                           " must be a finite number >= 0");
    return problems;
}

std::vector<std::string> load_config(const ConfigLookup& lookup, SimulatorConfig& config) {
    std::vector<std::string> problems;
    Reader read(lookup, problems);
    read.integer(key::kEvents, config.events);
    read.integer(key::kDurationMs, config.duration_ms);
    read.real(key::kRate, config.rate);
    read.integer(key::kUsers, config.users);
    if (auto text = read.text(key::kEventTypes)) {
        const size_t before = problems.size();
        auto types = parse_event_types(*text, problems);
        if (problems.size() == before) config.event_types = std::move(types);
    }
    // Any 64-bit integer is a seed; negative ones wrap to their two's-complement value.
    auto seed = static_cast<int64_t>(config.seed);
    read.integer(key::kSeed, seed);
    config.seed = static_cast<uint64_t>(seed);
    read.real(key::kLateRate, config.rates.late);
    read.real(key::kDuplicateRate, config.rates.duplicate);
    read.real(key::kCorrectionRate, config.rates.correction);
    read.real(key::kInvalidationRate, config.rates.invalidation);
    read.real(key::kDeletionRate, config.rates.deletion);
    read.real(key::kMalformedRate, config.rates.malformed);
    read.real(key::kDuplicateStaleFraction, config.duplicate_stale_fraction);
    read.integer(key::kLateThresholdMs, config.late_threshold_ms);
    read.integer(key::kLateMaxMs, config.late_max_ms);
    if (auto distribution = read.text(key::kLateDistribution)) {
        if (*distribution == "uniform")
            config.late_distribution = LatenessDistribution::Uniform;
        else if (*distribution == "log-uniform")
            config.late_distribution = LatenessDistribution::LogUniform;
        else
            problems.push_back(std::string(key::kLateDistribution) + ": " + quoted(*distribution) +
                               " is not one of 'uniform', 'log-uniform'");
    }
    read.integer(key::kOntimeDelayMaxMs, config.ontime_delay_max_ms);
    read.integer(key::kHistorySize, config.history_size);
    if (auto path = read.text(key::kAuditLog)) config.audit_log = *path;
    read.integer(key::kAuditFlushRecords, config.audit_flush_records);
    read.integer(key::kMaxInFlight, config.max_in_flight);
    read.integer(key::kProgressIntervalMs, config.progress_interval_ms);

    // A key that could not be read keeps its default above, so the cross-key rules still run and
    // every problem is reported in one go.
    for (std::string& problem : check_config(config)) problems.push_back(std::move(problem));
    return problems;
}

std::vector<std::string> check_task_share(const SimulatorConfig& config, int32_t count) {
    std::vector<std::string> problems;
    if (count < 1) {
        problems.push_back("tasks.max: " + std::to_string(count) + " tasks cannot share a stream");
        return problems;
    }
    // A task with no records would be unbounded (events = 0 means "no limit").
    if (config.events > 0 && config.events < static_cast<uint64_t>(count))
        problems.push_back(std::string(key::kEvents) + ": " + std::to_string(config.events) +
                           " records cannot be shared by " + std::to_string(count) +
                           " tasks (tasks.max): every task needs at least one");
    return problems;
}

uint64_t task_seed(uint64_t seed, int32_t task, int32_t count) {
    if (count == 1) return seed;
    // Mixing the task number into the state before one splitmix64 step gives every task an
    // unrelated seed; the salt keeps task 0's seed different from the single-task seed.
    constexpr uint64_t kTaskSalt = 0x7461736b2d763100ULL;
    uint64_t state = seed ^ (kTaskSalt + static_cast<uint64_t>(task));
    return splitmix64(state);
}

std::string task_audit_path(const std::string& path, int32_t task, int32_t count) {
    if (path.empty() || count == 1) return path;
    return path + "." + std::to_string(task);
}

SimulatorConfig task_share(const SimulatorConfig& config, int32_t task, int32_t count) {
    if (count == 1) return config;
    SimulatorConfig share = config;
    const auto tasks = static_cast<uint64_t>(count);
    const auto index = static_cast<uint64_t>(task);
    if (config.events > 0)
        share.events = config.events / tasks + (index < config.events % tasks ? 1 : 0);
    share.rate = config.rate / static_cast<double>(count);
    share.seed = task_seed(config.seed, task, count);
    share.audit_log = task_audit_path(config.audit_log, task, count);
    return share;
}

}  // namespace ingest::plugins::source_event_simulator
