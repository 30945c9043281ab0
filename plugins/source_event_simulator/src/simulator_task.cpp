#include "simulator_task.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <thread>

namespace ingest::plugins::source_event_simulator {
namespace {

// poll() returns within this budget so the host keeps serving delivery reports.
constexpr auto kPollBudget = std::chrono::milliseconds(50);
// Checking the clock costs more than generating a record; look at it every this many records.
constexpr uint64_t kClockCheckEvery = 256;
// The longest poll() sleeps while waiting for the rate limit to allow the next record.
constexpr auto kMaxPacingSleep = std::chrono::milliseconds(10);
// The audit log reaches the file at least this often, even at low rates.
constexpr auto kAuditFlushInterval = std::chrono::seconds(1);
// Delivery failures logged one by one before only every kFailureLogEvery-th is.
constexpr uint64_t kFailuresLoggedInFull = 10;
constexpr uint64_t kFailureLogEvery = 10'000;

constexpr const char* kUnknownOutcome = "no delivery report before the task stopped (outcome unknown)";

double seconds_between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

std::string format(const char* pattern, auto... values) {
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, pattern, values...);
    return buffer;
}

}  // namespace

void SimulatorTask::start(const sdk::Config& config) { start_with(config_def().parse(config)); }

void SimulatorTask::start_with(const SimulatorConfig& config) {
    const int32_t task = host().task_id();
    const int32_t tasks = host().task_count();
    if (tasks < 1 || task < 0 || task >= tasks)
        throw sdk::FatalError("source_event_simulator: task " + std::to_string(task) + " of " +
                              std::to_string(tasks) + " is not a valid task number");
    if (const auto problems = check_task_share(config, tasks); !problems.empty())
        throw sdk::FatalError("source_event_simulator: invalid configuration: " + sdk::describe_problems(problems));

    config_ = task_share(config, task, tasks);
    generator_ = std::make_unique<Generator>(config_);
    window_ = InFlightWindow(static_cast<size_t>(config_.max_in_flight));
    totals_ = {};
    finished_ = false;
    completion_written_ = false;
    clock_started_ = false;
    if (config_.audit_log.empty()) {
        host().warn("audit.log is empty: no audit log is written, so nothing can verify this "
                    "stream");
    } else {
        try {
            audit_.open(config_.audit_log, static_cast<size_t>(config_.audit_flush_records));
        } catch (const std::exception& e) {
            throw sdk::FatalError(e.what());
        }
    }
    host().info(format("task %d of %d: simulating %s records (seed %" PRIu64 ", rate %s, "
                       "max.in.flight %" PRIu64 ") starting at simulated time %s; audit log: %s",
                       task, tasks,
                       config_.events > 0 ? std::to_string(config_.events).c_str() : "unbounded",
                       static_cast<uint64_t>(config_.seed),
                       config_.rate > 0 ? (std::to_string(config_.rate) + "/s").c_str()
                                        : "unthrottled",
                       config_.max_in_flight, format_rfc3339_micros(generator_->clock_micros()).c_str(),
                       config_.audit_log.empty() ? "none" : config_.audit_log.c_str()));
}

sdk::SourceTask::PollResult SimulatorTask::poll(sdk::Emitter& emitter) {
    raise_deferred_error();
    Clock::time_point now = Clock::now();
    if (!clock_started_) {
        clock_started_ = true;
        started_at_ = last_progress_ = last_flush_ = now;
    }
    if (!finished_ && time_is_up(now)) finished_ = true;
    if (finished_) {
        housekeeping(now);
        return PollResult::End;
    }

    const Clock::time_point deadline = now + kPollBudget;
    const uint64_t allowed = allowed_by_rate(now);
    uint64_t emitted = 0;
    while (true) {
        if (config_.events > 0 && totals_.records >= config_.events) {
            finished_ = true;
            break;
        }
        if (window_.full() || totals_.records >= allowed) break;
        if (emitted > 0 && emitted % kClockCheckEvery == 0) {
            now = Clock::now();
            if (time_is_up(now)) {
                finished_ = true;
                break;
            }
            if (now >= deadline) break;
        }
        const GeneratedRecord& record = generator_->next();
        const uint64_t seq = window_.add(record.intent, record.key, record.value);
        emitter.emit(record.key, record.value, seq);
        ++totals_.records;
        ++totals_.by_intent[static_cast<size_t>(record.intent)];
        ++emitted;
    }

    now = Clock::now();
    if (emitted == 0 && !finished_ && totals_.records >= allowed) pace(now);
    housekeeping(now);
    // Records emitted in this call go out with More; End comes on the next call, with none.
    return PollResult::More;
}

void SimulatorTask::on_delivered(uint64_t correlation, int32_t partition, int64_t offset,
                                 std::string_view error) {
    InFlightWindow::Entry* entry = window_.find(correlation);
    if (!entry) {
        host().warn(format("delivery report for unknown or already settled record %" PRIu64,
                           correlation));
        return;
    }
    try {
        if (error.empty()) {
            ++totals_.confirmed;
            audit_.confirmed(entry->seq, entry->intent, entry->key(), entry->value_view(), partition,
                             offset);
        } else {
            ++totals_.failed;
            if (totals_.failed <= kFailuresLoggedInFull || totals_.failed % kFailureLogEvery == 0)
                host().warn(format("record %" PRIu64 " (%s, key %s) was not delivered: %.*s "
                                   "(%" PRIu64 " failed so far)",
                                   entry->seq, std::string(intent_name(entry->intent)).c_str(),
                                   std::string(entry->key()).c_str(), static_cast<int>(error.size()),
                                   error.data(),
                                   totals_.failed));
            audit_.failed(entry->seq, entry->intent, entry->key(), entry->value_view(), error);
        }
    } catch (const std::exception& e) {
        if (deferred_error_.empty()) deferred_error_ = e.what();
    }
    window_.release(*entry);
}

void SimulatorTask::commit() {
    raise_deferred_error();
    try {
        if (finished_ && window_.pending() == 0)
            finish_audit();
        else
            audit_.sync();
    } catch (const std::exception& e) {
        throw sdk::FatalError(e.what());
    }
}

void SimulatorTask::stop() {
    if (!generator_) return;  // start() failed: nothing to settle
    // The host stopped without every delivery report: each of these records still gets its line,
    // so nothing handed over is missing from the log.
    try {
        window_.for_each_pending([&](InFlightWindow::Entry& entry) {
            ++totals_.failed;
            audit_.failed(entry.seq, entry.intent, entry.key(), entry.value_view(), kUnknownOutcome);
            window_.release(entry);
        });
        if (finished_) finish_audit();
        audit_.close();
    } catch (const std::exception& e) {
        throw sdk::FatalError(e.what());
    }
    if (clock_started_) log_progress(Clock::now());
    raise_deferred_error();
}

bool SimulatorTask::time_is_up(Clock::time_point now) const {
    return config_.duration_ms > 0 &&
           now - started_at_ >= std::chrono::milliseconds(config_.duration_ms);
}

uint64_t SimulatorTask::allowed_by_rate(Clock::time_point now) const {
    if (config_.rate <= 0) return std::numeric_limits<uint64_t>::max();
    // One record may go out at once; after that the count follows rate * elapsed time.
    return static_cast<uint64_t>(config_.rate * seconds_between(started_at_, now)) + 1;
}

void SimulatorTask::pace(Clock::time_point now) {
    const auto due = started_at_ + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(
                                           static_cast<double>(totals_.records) / config_.rate));
    if (due > now) std::this_thread::sleep_until(std::min(due, now + kMaxPacingSleep));
}

void SimulatorTask::housekeeping(Clock::time_point now) {
    if (config_.progress_interval_ms > 0 &&
        now - last_progress_ >= std::chrono::milliseconds(config_.progress_interval_ms))
        log_progress(now);
    if (audit_.buffered_bytes() > 0 && now - last_flush_ >= kAuditFlushInterval) {
        last_flush_ = now;
        try {
            audit_.flush();
        } catch (const std::exception& e) {
            throw sdk::FatalError(e.what());
        }
    }
}

void SimulatorTask::log_progress(Clock::time_point now) {
    const double interval = seconds_between(last_progress_, now);
    const double total = seconds_between(started_at_, now);
    const double rate =
        interval > 0 ? static_cast<double>(totals_.confirmed - confirmed_at_last_progress_) / interval
                     : 0.0;
    const double average = total > 0 ? static_cast<double>(totals_.confirmed) / total : 0.0;
    host().info(format("progress: produced=%" PRIu64 " confirmed=%" PRIu64 " failed=%" PRIu64
                       " in_flight=%zu rate=%.0f/s average=%.0f/s%s",
                       totals_.records, totals_.confirmed, totals_.failed, window_.pending(), rate,
                       average, finished_ ? " (generation finished)" : ""));
    last_progress_ = now;
    confirmed_at_last_progress_ = totals_.confirmed;
}

void SimulatorTask::finish_audit() {
    if (completion_written_) {
        audit_.sync();
        return;
    }
    completion_written_ = true;
    audit_.complete(totals_);
    std::string by_intent;
    for (size_t i = 0; i < kIntentCount; ++i) {
        by_intent += ' ';
        by_intent += kIntentNames[i];
        by_intent += '=';
        by_intent += std::to_string(totals_.by_intent[i]);
    }
    host().info(format("stream complete: records=%" PRIu64 " confirmed=%" PRIu64 " failed=%" PRIu64
                       "%s",
                       totals_.records, totals_.confirmed, totals_.failed, by_intent.c_str()));
}

void SimulatorTask::raise_deferred_error() {
    if (!deferred_error_.empty()) throw sdk::FatalError(deferred_error_);
}

}  // namespace ingest::plugins::source_event_simulator
