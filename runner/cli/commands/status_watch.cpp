#include "cli/commands/status_watch.hpp"

#include "cli/commands/table.hpp"
#include "cli/signals.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <iostream>
#include <mutex>
#include <tuple>

namespace ingest::cli {
namespace {

namespace json = boost::json;

// The series of the registry (metrics/metric_table.cpp) the view reads.
constexpr const char* kSourceRecords = "ingest_source_records_written_total";
constexpr const char* kSinkRecords = "ingest_sink_records_put_total";
constexpr const char* kDeadLetters = "ingest_sink_records_dead_lettered_total";
constexpr const char* kErrors = "ingest_task_errors_total";
constexpr const char* kLag = "ingest_sink_consumer_lag";

using TaskKey = std::pair<std::string, int>;  // connector, task

std::string label(const json::object& labels, const char* name) {
    const auto* value = labels.if_contains(name);
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::optional<int> integer(const std::string& text) {
    try {
        size_t used = 0;
        int value = std::stoi(text, &used);
        if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

// Every series of a family whose value is a number, with its labels (none when the worker does not
// export the family).
template <typename Visit>
void for_each_series(const json::value& metrics, const char* family, Visit visit) {
    const auto* families = metrics.is_object() ? metrics.as_object().if_contains("families") : nullptr;
    if (!families || !families->is_object()) return;
    const auto* found = families->as_object().if_contains(family);
    if (!found || !found->is_object()) return;
    const auto* series = found->as_object().if_contains("series");
    if (!series || !series->is_array()) return;
    for (const auto& entry : series->as_array()) {
        if (!entry.is_object()) continue;
        const auto* labels = entry.as_object().if_contains("labels");
        const auto* value = entry.as_object().if_contains("value");
        if (!labels || !labels->is_object() || !value || !value->is_number()) continue;
        visit(labels->as_object(), value->to_number<double>());
    }
}

// A family's values by task, summed over its other labels.
std::map<TaskKey, double> by_task(const json::value& metrics, const char* family) {
    std::map<TaskKey, double> values;
    for_each_series(metrics, family, [&](const json::object& labels, double value) {
        if (auto task = integer(label(labels, "task"))) values[{label(labels, "connector"), *task}] += value;
    });
    return values;
}

std::optional<double> find(const std::map<TaskKey, double>& values, const TaskKey& key) {
    auto found = values.find(key);
    if (found == values.end()) return std::nullopt;
    return found->second;
}

std::string text_of(const json::object& object, const char* key) {
    const auto* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

int64_t integer_of(const json::object& object, const char* key) {
    const auto* value = object.if_contains(key);
    return value && value->is_number() ? value->to_number<int64_t>() : 0;
}

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string or_dash(const std::optional<double>& value, int decimals) {
    return value ? fixed(*value, decimals) : "-";
}

std::string errors_cell(const TaskView& view) {
    if (view.errors.empty()) return "0";
    std::string cell;
    for (const auto& [error_class, count] : view.errors)
        cell += (cell.empty() ? "" : ",") + error_class + "=" + fixed(count, 0);
    return cell;
}

// Counts as integers (Boost.JSON writes 12.0 as 1.2E1), rates as they are.
json::value number_json(double value) {
    if (std::trunc(value) == value && std::fabs(value) < 9007199254740992.0) return static_cast<int64_t>(value);
    return value;
}

json::value optional_json(const std::optional<double>& value) {
    if (value) return number_json(*value);
    return nullptr;
}

std::string local_time() {
    std::time_t now = std::time(nullptr);
    std::tm parts{};
    localtime_r(&now, &parts);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &parts);
    return text;
}

WatchSample take_sample(const RestClient& client) {
    WatchSample sample;
    sample.statuses = client.get("/connectors?expand=status");
    sample.metrics = client.get("/worker/metrics");
    sample.taken = std::chrono::steady_clock::now();
    return sample;
}

}  // namespace

WatchFrame build_frame(const WatchSample& current, const WatchSample* previous) {
    WatchFrame frame;
    const auto records = [](const json::value& metrics) {
        auto values = by_task(metrics, kSourceRecords);
        for (const auto& [key, value] : by_task(metrics, kSinkRecords)) values[key] += value;
        return values;
    };
    const auto now = records(current.metrics);
    const std::map<TaskKey, double> before = previous ? records(previous->metrics) : std::map<TaskKey, double>{};
    const double seconds =
        previous ? std::chrono::duration<double>(current.taken - previous->taken).count() : 0.0;
    const auto dead_letters = by_task(current.metrics, kDeadLetters);

    std::map<TaskKey, std::map<std::string, double>> errors;
    for_each_series(current.metrics, kErrors, [&](const json::object& labels, double value) {
        auto task = integer(label(labels, "task"));
        if (task && value > 0) errors[{label(labels, "connector"), *task}][label(labels, "class")] += value;
    });
    std::map<TaskKey, double> lag;
    for_each_series(current.metrics, kLag, [&](const json::object& labels, double value) {
        auto task = integer(label(labels, "task"));
        auto partition = integer(label(labels, "partition"));
        if (!task || !partition) return;
        frame.lags.push_back({label(labels, "connector"), *task, label(labels, "topic"), *partition, value});
        lag[{label(labels, "connector"), *task}] += value;
    });

    if (current.statuses.is_object())
        for (const auto& [name, entry] : current.statuses.as_object()) {
            const auto* status = entry.is_object() ? entry.as_object().if_contains("status") : nullptr;
            if (!status || !status->is_object()) continue;
            const auto& s = status->as_object();
            const std::string type = text_of(s, "type");
            const auto* tasks = s.if_contains("tasks");
            if (!tasks || !tasks->is_array() || tasks->as_array().empty()) {
                TaskView view;
                view.connector = name;
                view.type = type;
                if (const auto* c = s.if_contains("connector"); c && c->is_object()) {
                    view.state = text_of(c->as_object(), "state");
                    view.restarts = integer_of(c->as_object(), "restarts");
                }
                frame.tasks.push_back(std::move(view));
                continue;
            }
            for (const auto& task_value : tasks->as_array()) {
                if (!task_value.is_object()) continue;
                const auto& task = task_value.as_object();
                const TaskKey key{name, static_cast<int>(integer_of(task, "id"))};
                TaskView view;
                view.connector = name;
                view.type = type;
                view.task = key.second;
                view.state = text_of(task, "state");
                view.restarts = integer_of(task, "restarts");
                if (auto count = find(now, key); count && previous && seconds > 0) {
                    const double earlier = find(before, key).value_or(0.0);
                    // A counter that went down was reset (another worker process): count from 0.
                    view.records_per_second = (*count >= earlier ? *count - earlier : *count) / seconds;
                }
                if (type == "sink") {
                    view.dead_letters = find(dead_letters, key).value_or(0.0);
                    view.lag = find(lag, key);
                }
                if (auto found = errors.find(key); found != errors.end()) view.errors = found->second;
                frame.tasks.push_back(std::move(view));
            }
        }
    std::sort(frame.tasks.begin(), frame.tasks.end(), [](const TaskView& a, const TaskView& b) {
        return std::tie(a.connector, a.task) < std::tie(b.connector, b.task);
    });
    std::sort(frame.lags.begin(), frame.lags.end(), [](const PartitionLag& a, const PartitionLag& b) {
        return std::tie(a.connector, a.task, a.topic, a.partition) < std::tie(b.connector, b.task, b.topic, b.partition);
    });
    return frame;
}

std::string render_frame(const WatchFrame& frame) {
    if (frame.tasks.empty()) return "(no connectors)\n";
    std::vector<std::vector<std::string>> rows{
        {"CONNECTOR", "TYPE", "TASK", "STATE", "RECORDS/S", "DEAD-LETTERS", "ERRORS", "RESTARTS", "LAG"}};
    for (const auto& view : frame.tasks)
        rows.push_back({view.connector, view.type, view.task ? std::to_string(*view.task) : "-", view.state,
                        or_dash(view.records_per_second, 1), or_dash(view.dead_letters, 0),
                        view.task ? errors_cell(view) : "-", std::to_string(view.restarts), or_dash(view.lag, 0)});
    std::string out = format_table(rows);
    if (!frame.lags.empty()) {
        std::vector<std::vector<std::string>> lag_rows{{"CONNECTOR", "TASK", "TOPIC", "PARTITION", "LAG"}};
        for (const auto& lag : frame.lags)
            lag_rows.push_back({lag.connector, std::to_string(lag.task), lag.topic, std::to_string(lag.partition),
                                fixed(lag.lag, 0)});
        out += "\n" + format_table(lag_rows);
    }
    return out;
}

json::object frame_json(const WatchFrame& frame) {
    json::array tasks;
    for (const auto& view : frame.tasks) {
        json::object errors;
        for (const auto& [error_class, count] : view.errors) errors[error_class] = number_json(count);
        tasks.push_back(json::object{{"connector", view.connector},
                                     {"type", view.type},
                                     {"task", view.task ? json::value(*view.task) : json::value(nullptr)},
                                     {"state", view.state},
                                     {"records_per_second", optional_json(view.records_per_second)},
                                     {"dead_letters", optional_json(view.dead_letters)},
                                     {"errors", std::move(errors)},
                                     {"restarts", view.restarts},
                                     {"lag", optional_json(view.lag)}});
    }
    json::array lags;
    for (const auto& lag : frame.lags)
        lags.push_back(json::object{{"connector", lag.connector},
                                    {"task", lag.task},
                                    {"topic", lag.topic},
                                    {"partition", lag.partition},
                                    {"lag", number_json(lag.lag)}});
    return {{"tasks", std::move(tasks)}, {"lags", std::move(lags)}};
}

int watch_status(const RestClient& client, const WatchOptions& options) {
    // The first SIGINT/SIGTERM ends the watch (exit 0) at once, even in the middle of a wait.
    std::mutex mutex;
    std::condition_variable woken;
    StopSignals signals([&] {
        std::lock_guard lock(mutex);
        woken.notify_all();
    });
    const auto stopped = [&] { return signals.stop_requested().load(); };
    const bool terminal = ::isatty(STDOUT_FILENO) == 1 && !options.json;
    const std::string worker = client.endpoint().describe();

    std::optional<WatchSample> previous;
    std::string last_time;
    const auto first = std::chrono::steady_clock::now();
    for (int drawn = 0; options.count == 0 || drawn < options.count; ++drawn) {
        if (drawn > 0) {
            // Frames keep to the interval from the first one, however long a sample took.
            std::unique_lock lock(mutex);
            woken.wait_until(lock, first + drawn * options.interval, stopped);
        }
        if (stopped()) break;
        WatchSample sample;
        try {
            sample = take_sample(client);
        } catch (const ClientError& error) {
            if (error.exit_code() != kWorkerUnreachable || !previous) throw;
            std::cout.flush();
            std::cerr << "ingest: the worker went away: " << error.what() << "; the last frame is from "
                      << last_time << "\n";
            return kWorkerUnreachable;
        }
        if (stopped()) break;
        const WatchFrame frame = build_frame(sample, previous ? &*previous : nullptr);
        last_time = local_time();
        if (options.json) {
            auto object = frame_json(frame);
            object["worker"] = worker;
            object["time"] = last_time;
            std::cout << json::serialize(object) << "\n";
        } else {
            std::string text = "worker " + worker + "  " + last_time + "  every " +
                               fixed(std::chrono::duration<double>(options.interval).count(), 1) +
                               " s  (Ctrl-C to quit)\n\n" + render_frame(frame);
            if (terminal) {
                // Home, each line cleared to its end, then the rest of the screen cleared: the
                // frame replaces the last one without the flicker of clearing first.
                std::string screen = drawn == 0 ? "\x1b[2J\x1b[H" : "\x1b[H";
                for (size_t start = 0; start < text.size();) {
                    const size_t end = text.find('\n', start);
                    screen += text.substr(start, end - start) + "\x1b[K\n";
                    start = end == std::string::npos ? text.size() : end + 1;
                }
                std::cout << screen << "\x1b[J";
            } else {
                std::cout << (drawn > 0 ? "\n" : "") << text;
            }
        }
        std::cout.flush();
        previous = std::move(sample);
    }
    return kClientOk;
}

}  // namespace ingest::cli
