#include "stream_file.hpp"

#include <charconv>
#include <stdexcept>
#include <variant>

namespace ingest::plugins::source_event_simulator {
namespace {

using S = SimulatorConfig;
using Member = std::variant<uint64_t S::*, int64_t S::*, double S::*, std::string S::*>;

struct StreamKey {
    const char* name;
    Member member;
};

// Every key the generator reads (see Generator's constructor and task_share()). `rate` spaces the
// simulated clock; see stream_file.hpp for why a change of it alone does not refuse a resume.
const StreamKey kStreamKeys[] = {
    {"events", &S::events},
    {"seed", &S::seed},
    {"users", &S::users},
    {"event.types", &S::event_types},
    {"rate", &S::rate},
    {"late.rate", &S::late_rate},
    {"duplicate.rate", &S::duplicate_rate},
    {"correction.rate", &S::correction_rate},
    {"invalidation.rate", &S::invalidation_rate},
    {"deletion.rate", &S::deletion_rate},
    {"malformed.rate", &S::malformed_rate},
    {"duplicate.stale.fraction", &S::duplicate_stale_fraction},
    {"late.threshold.ms", &S::late_threshold_ms},
    {"late.max.ms", &S::late_max_ms},
    {"late.distribution", &S::late_distribution},
    {"ontime.delay.max.ms", &S::ontime_delay_max_ms},
    {"history.size", &S::history_size},
};
constexpr const char* kRateKey = "rate";

// Keys that change when and how fast records go out, or where they are logged, but not which
// records the stream holds. duration.ms counts from each start of the task.
constexpr const char* kPacingKeyNames[] = {
    "duration.ms", "audit.log", "audit.flush.records", "max.in.flight", "progress.interval.ms",
};

std::string format_double(double value) {
    char buffer[32];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return error == std::errc() ? std::string(buffer, end) : std::string("?");
}

std::string format_member(const S& config, const Member& member) {
    return std::visit(
        [&](auto pointer) -> std::string {
            const auto& value = config.*pointer;
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::string>) return value;
            else if constexpr (std::is_same_v<T, double>) return format_double(value);
            else return std::to_string(value);
        },
        member);
}

}  // namespace

std::span<const char* const> stream_keys() {
    static const std::vector<const char*> names = [] {
        std::vector<const char*> list;
        for (const StreamKey& key : kStreamKeys) list.push_back(key.name);
        return list;
    }();
    return names;
}
std::span<const char* const> pacing_keys() { return kPacingKeyNames; }

StreamDescription describe_stream(const SimulatorConfig& config, int32_t task, int32_t tasks) {
    StreamDescription description;
    description.task = task;
    description.tasks = tasks;
    for (const StreamKey& key : kStreamKeys)
        description.keys.emplace_back(key.name, format_member(config, key.member));
    return description;
}

std::vector<std::string> stream_changes(const StreamDescription& recorded,
                                        const StreamDescription& now) {
    std::vector<std::string> changes;
    if (recorded.task != now.task || recorded.tasks != now.tasks)
        changes.push_back("task " + std::to_string(recorded.task) + " of " +
                          std::to_string(recorded.tasks) + " (tasks.max) when the stream started, task " +
                          std::to_string(now.task) + " of " + std::to_string(now.tasks) + " now");
    for (const auto& [name, value] : now.keys) {
        if (name == kRateKey) continue;
        const auto before = recorded.value(name);
        if (!before)
            changes.push_back(name + ": not recorded when the stream started, '" + value + "' now");
        else if (*before != value)
            changes.push_back(name + ": '" + std::string(*before) + "' when the stream started, '" +
                              value + "' now");
    }
    for (const auto& [name, value] : recorded.keys)
        if (!now.value(name))
            changes.push_back(name + ": '" + value + "' when the stream started, unknown now");
    return changes;
}

double recorded_rate(const StreamDescription& recorded) {
    const auto text = recorded.value(kRateKey);
    double rate = 0;
    if (!text) return 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), rate);
    if (error != std::errc() || end != text->data() + text->size() || !(rate >= 0))
        throw std::runtime_error("the recorded rate '" + std::string(*text) + "' is not a rate");
    return rate;
}

}  // namespace ingest::plugins::source_event_simulator
