#include "config.hpp"

#include "rng.hpp"

#include <charconv>
#include <set>

namespace ingest::plugins::source_event_simulator {
namespace {

using Def = sdk::ConfigDef<SimulatorConfig>;
using S = SimulatorConfig;

constexpr size_t kEventTypeNameMax = 64;
constexpr uint64_t kEventTypeWeightMax = 1'000'000'000;
constexpr size_t kEventTypesMax = 1000;

// Large enough for any real run, small enough that the value survives a double exactly.
constexpr double kCountMax = 1e15;
constexpr double kThirtyDaysMs = 30.0 * 24 * 3600 * 1000;

constexpr const char* kUniform = "uniform";
constexpr const char* kLogUniform = "log-uniform";

// The six *.rate keys, declared together because one rule needs them together: their sum.
struct CaseRate {
    const char* name;
    double S::*member;
    double default_value;
    const char* doc;
};
constexpr CaseRate kCaseRates[] = {
    {"late.rate", &S::late_rate, 0.05,
     "Share of records that are late creates: event_time older than received_time by more than "
     "late.threshold.ms. The six *.rate keys must sum to at most 1; the remainder are on-time "
     "creates."},
    {"duplicate.rate", &S::duplicate_rate, 0.05,
     "Share of records that re-send an earlier record byte for byte (at-least-once upstream), "
     "including records since superseded or deleted; see duplicate.stale.fraction."},
    {"correction.rate", &S::correction_rate, 0.03,
     "Share of records that correct a recent event: revision + 1, another event_type (or user_id "
     "when there is one type), new received_time."},
    {"invalidation.rate", &S::invalidation_rate, 0.01,
     "Share of records that invalidate a recent event: revision + 1, is_valid=false."},
    {"deletion.rate", &S::deletion_rate, 0.01,
     "Share of records that delete a recent event: a tombstone (no value) keyed by event_id. "
     "Nothing but stale duplicates follows for that event_id."},
    {"malformed.rate", &S::malformed_rate, 0.01,
     "Share of records that break the data contract (truncated or non-JSON value, missing field, "
     "bad UUID, bad timestamp, wrong type or negative revision, key different from event_id), for "
     "dead-letter testing."},
};

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

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string format_double(double value) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

// A sum of decimal rates, without the binary noise of its last digits (1.16, not 1.1600000000000001).
std::string format_sum(double value) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 12);
    return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

void check_event_types(const S& config, sdk::Problems& problems) {
    parse_event_types(config.event_types, problems);
}

void check_rates_sum(const S& config, sdk::Problems& problems) {
    double sum = 0;
    std::string terms;
    for (const CaseRate& rate : kCaseRates) {
        const double value = config.*rate.member;
        sum += value;
        terms += (terms.empty() ? "" : " + ") + std::string(rate.name) + " (" + format_double(value) + ")";
    }
    // Decimal rates such as 0.7 + 0.2 + 0.1 may sum to 1.0000000000000002 in binary.
    if (sum > 1.0 + 1e-9)
        problems.push_back({"", "the case rates sum to " + format_sum(sum) + ", above 1: " + terms});
}

void check_lateness_bounds(const S& config, sdk::Problems& problems) {
    const std::string threshold = "late.threshold.ms (" + std::to_string(config.late_threshold_ms) + ")";
    if (config.late_rate > 0 && config.late_max_ms <= config.late_threshold_ms)
        problems.push_back({"late.max.ms", "is " + std::to_string(config.late_max_ms) + ", not above " + threshold +
                                               ", while late.rate > 0: a late record is later than the threshold"});
    if (config.ontime_delay_max_ms > config.late_threshold_ms)
        problems.push_back({"ontime.delay.max.ms", "is " + std::to_string(config.ontime_delay_max_ms) +
                                                       ", more than " + threshold + ": an on-time record is not late"});
}

Def declare_keys() {
    Def def;
    def.key("events", &S::events, 100'000,
            "Records to emit in total, counting every intent (creates, duplicates, corrections, "
            "invalidations, deletions, malformed). 0: unbounded, until duration.ms elapses or the "
            "connector is stopped. With tasks.max = N > 1 the records are shared: task i emits "
            "events/N, one more for the first events%N tasks (events must then be at least N).")
        .between(0, kCountMax)
        .key("duration.ms", &S::duration_ms, 0,
             "Stop emitting after this many milliseconds of wall-clock time, whichever of events and "
             "duration.ms comes first, counted from each start of the task. 0: no time limit.")
        .between(0, kCountMax)
        .key("rate", &S::rate, 0,
             "Target records per second for the connector (each of tasks.max tasks paces itself at "
             "rate/tasks.max), against the wall clock. 0: as fast as the pipeline accepts (bounded "
             "by max.in.flight). It also spaces the simulated event times (mean 1/rate s); a "
             "continued stream keeps the spacing it started with and only goes out at the new rate.")
        .between(0, 1e9)
        .key("users", &S::users, 10'000, "Distinct users; user_id is `user-N` with N uniform in [1, users].")
        .between(1, 1e9)
        .key("event.types", &S::event_types, "page_view:60,click:25,add_to_cart:10,purchase:5",
             "Event types and their relative integer weights, as `name:weight,...`. Names use "
             "[A-Za-z0-9_.-] (at most 64 characters, each once); weights are integers >= 0 and at "
             "least one is above 0.")
        .key("seed", &S::seed, 1,
             "Random seed. The same seed and config produce the same records (intent, key, value) "
             "in the same order; the simulated clock also derives from it, never from the wall "
             "clock. With tasks.max = N > 1, task i draws from its own seed, derived from (seed, "
             "i): the same seed, config and N produce the same streams; its duplicates, corrections "
             "and deletions refer to its own events only.");
    for (const CaseRate& rate : kCaseRates) def.key(rate.name, rate.member, rate.default_value, rate.doc).between(0, 1);
    def.key("duplicate.stale.fraction", &S::duplicate_stale_fraction, 0.3,
            "Share of duplicates that re-send a record whose event has since been corrected, "
            "invalidated or deleted: duplicates that must not win.")
        .between(0, 1)
        .key("late.threshold.ms", &S::late_threshold_ms, 30'000,
             "Lateness threshold, as the sink's: a record is late when received_time - event_time "
             "exceeds it. On-time records stay within ontime.delay.max.ms.")
        .between(1, kThirtyDaysMs)
        .key("late.max.ms", &S::late_max_ms, 3'600'000,
             "Largest lateness of a late create, in ms (must exceed late.threshold.ms when late.rate "
             "> 0). Up to 30 days.")
        .between(1, kThirtyDaysMs)
        .key("late.distribution", &S::late_distribution, kLogUniform,
             "How lateness spreads over (late.threshold.ms, late.max.ms]: `uniform`, or "
             "`log-uniform` (each power-of-two band equally likely: most late records are minutes "
             "late, a few are hours late).")
        .one_of({kUniform, kLogUniform})
        .key("ontime.delay.max.ms", &S::ontime_delay_max_ms, 2'000,
             "Largest received_time - event_time of an on-time create, in ms (at most "
             "late.threshold.ms).")
        .between(0, kThirtyDaysMs)
        .key("history.size", &S::history_size, 10'000,
             "Recent events (and recent records) remembered as targets of duplicates, corrections, "
             "invalidations and deletions. Bounds the simulator's memory.")
        .between(1, 1e7)
        .key("audit.log", &S::audit_log, "",
             "Path of the JSON Lines audit log: one line per record handed over with its intent, "
             "exact key and value, and Kafka partition/offset once confirmed (or the delivery "
             "error), then a completion line with totals; its directory is created. A task that "
             "finds an unfinished log of the same stream (`<audit.log>.stream` records the keys "
             "that shape it) continues that stream and log, sending again only the records "
             "without a line; a complete one it leaves as it is and sends nothing; one of another "
             "configuration it refuses. Move both files away to start a new stream. Empty: no "
             "audit log. With tasks.max = N > 1 task i writes `<audit.log>.<i>` (audit.jsonl.0 .. "
             "audit.jsonl.N-1) and nothing is written at the path itself; set the validator's "
             "audit.log.tasks to N.")
        .key("audit.flush.records", &S::audit_flush_records, 5'000,
             "Audit lines buffered before one write(); the log is also written on commit, on stop "
             "and at least once a second. A crash loses at most the unwritten buffer: the restarted "
             "task sends those records again.")
        .between(1, 1e7)
        .key("max.in.flight", &S::max_in_flight, 10'000,
             "Bounded producer lead: records emitted but not yet confirmed or refused, counted from "
             "the oldest unconfirmed one. poll() emits nothing while at the limit. Each is held in "
             "memory (key and value, here and in the producer's queue) until its delivery report; "
             "10,000 keep the benchmark's broker at 200k records/s, 50,000 only cost 40 MB more.")
        .between(1, 1e6)
        .key("progress.interval.ms", &S::progress_interval_ms, 5'000,
             "Milliseconds between progress log lines (produced, confirmed, failed, rate). 0: none.")
        .between(0, 1e9)
        .rule(check_event_types)
        .rule(check_rates_sum)
        .rule(check_lateness_bounds);
    return def;
}

}  // namespace

const sdk::ConfigDef<SimulatorConfig>& config_def() {
    static const Def def = declare_keys();
    return def;
}

SimulatorConfig default_config() {
    const ingest_config none{nullptr, 0};
    return config_def().parse(sdk::Config(none));
}

std::vector<EventType> parse_event_types(std::string_view text, sdk::Problems& problems) {
    auto problem = [&problems](std::string message) { problems.push_back({"event.types", std::move(message)}); };
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
            problem("entry " + std::to_string(index) + " is empty");
            continue;
        }
        if (colon == std::string_view::npos) {
            problem(label + " has no weight (expected name:weight)");
            continue;
        }
        const std::string_view name = trim(entry.substr(0, colon));
        const std::string_view weight_text = trim(entry.substr(colon + 1));
        bool ok = true;
        if (name.empty()) {
            problem(label + " has no name");
            ok = false;
        } else if (name.size() > kEventTypeNameMax) {
            problem(label + " has a name longer than " + std::to_string(kEventTypeNameMax) + " characters");
            ok = false;
        } else {
            for (char c : name) {
                if (!is_name_char(c)) {
                    problem(label + " has a name with " + quoted({&c, 1}) + " (allowed: A-Z a-z 0-9 _ . -)");
                    ok = false;
                    break;
                }
            }
        }
        uint64_t weight = 0;
        auto [end, ec] = std::from_chars(weight_text.data(), weight_text.data() + weight_text.size(), weight);
        if (weight_text.empty() || ec != std::errc() || end != weight_text.data() + weight_text.size() ||
            weight > kEventTypeWeightMax) {
            problem(label + " has weight " + quoted(weight_text) + ", expected an integer from 0 to " +
                    std::to_string(kEventTypeWeightMax));
            ok = false;
        }
        if (ok && !seen.insert(std::string(name)).second) {
            problem(label + " repeats the name " + quoted(name));
            ok = false;
        }
        if (!ok) continue;
        total += weight;
        types.push_back({std::string(name), weight});
    }
    if (types.size() > kEventTypesMax)
        problem(std::to_string(types.size()) + " event types, at most " + std::to_string(kEventTypesMax) +
                " are supported");
    if (!types.empty() && total == 0) problem("every weight is 0; at least one must be above 0");
    return types;
}

std::vector<EventType> event_types_of(const SimulatorConfig& config) {
    sdk::Problems problems;
    auto types = parse_event_types(config.event_types, problems);
    if (!problems.empty()) throw sdk::FatalError("invalid config: " + sdk::describe_problems(problems));
    return types;
}

LatenessDistribution lateness_distribution_of(const SimulatorConfig& config) {
    if (config.late_distribution == kUniform) return LatenessDistribution::Uniform;
    if (config.late_distribution == kLogUniform) return LatenessDistribution::LogUniform;
    throw sdk::FatalError("invalid config: key 'late.distribution': " + quoted(config.late_distribution) +
                          " is not one of: " + kUniform + ", " + kLogUniform);
}

sdk::Problems check_task_share(const SimulatorConfig& config, int32_t count) {
    sdk::Problems problems;
    if (count < 1) {
        problems.push_back({"tasks.max", std::to_string(count) + " tasks cannot share a stream"});
        return problems;
    }
    // A task with no records would be unbounded (events = 0 means "no limit").
    if (config.events > 0 && config.events < static_cast<uint64_t>(count))
        problems.push_back({"events", std::to_string(config.events) + " records cannot be shared by " +
                                          std::to_string(count) + " tasks (tasks.max): every task needs at least one"});
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
    if (config.events > 0) share.events = config.events / tasks + (index < config.events % tasks ? 1 : 0);
    share.rate = config.rate / static_cast<double>(count);
    share.seed = static_cast<int64_t>(task_seed(static_cast<uint64_t>(config.seed), task, count));
    share.audit_log = task_audit_path(config.audit_log, task, count);
    return share;
}

}  // namespace ingest::plugins::source_event_simulator
