#include "simulator_task.hpp"

#include "partitioning.hpp"
#include "stream_file.hpp"

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

double seconds_between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

std::string format(const char* pattern, auto... values) {
    const int size = std::snprintf(nullptr, 0, pattern, values...);
    std::string text(static_cast<size_t>(std::max(size, 0)), '\0');
    std::snprintf(text.data(), text.size() + 1, pattern, values...);
    return text;
}

std::string format_rate(double rate) {
    return rate > 0 ? format("%g/s", rate) : std::string("unthrottled");
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
    // Asked before the log is opened: a broker that cannot say fails the start (retriable) with
    // nothing held. The count must stay the same while a stream is continued: records sent again
    // after a restart go where the count puts them.
    if (const std::optional<int32_t> partitions = host().partition_count()) {
        partitions_ = *partitions;
    } else {
        partitions_ = 0;
        host().warn("the host is older than ABI 1.5 and cannot tell the topic's partition count: records "
                    "are placed by key (event_id), not by their event's first user_id");
    }
    generator_.reset();
    window_ = InFlightWindow(static_cast<size_t>(config_.max_in_flight));
    totals_ = {};
    settled_.clear();
    resumed_highest_offsets_.clear();
    emitted_since_start_ = 0;
    finished_ = false;
    completion_written_ = false;
    clock_started_ = false;
    if (config_.audit_log.empty()) {
        host().warn("audit.log is empty: no audit log is written, so nothing can verify this "
                    "stream");
        generator_ = std::make_unique<Generator>(config_);
    } else {
        open_audit_log(config, task, tasks);
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

void SimulatorTask::open_audit_log(const SimulatorConfig& connector_config, int32_t task,
                                   int32_t tasks) {
    const std::string& path = config_.audit_log;
    const std::string stream_path = stream_file_path(path);
    const std::string start_over =
        "move " + path + " and " + stream_path + " away to start a new stream";
    try {
        audit_.open(path, static_cast<size_t>(config_.audit_flush_records));
        if (!audit_.is_regular_file()) {
            // e.g. /dev/null: nothing to read back or continue.
            generator_ = std::make_unique<Generator>(config_);
            return;
        }
        AuditRecovery recovered;
        uint64_t complete_bytes = 0;
        try {
            complete_bytes = audit_.read_lines(
                [&](std::string_view line, uint64_t number) { recovered.add_line(line, number); });
        } catch (const AuditRecoveryError& error) {
            throw sdk::FatalError("audit log " + path + " " + error.what() +
                                  ": it is not a log this task can continue; " + start_over);
        }
        const uint64_t torn_bytes = audit_.size() - complete_bytes;
        if (recovered.empty()) {
            if (torn_bytes > 0)
                host().warn(format("audit log %s: dropping %" PRIu64 " bytes without a newline "
                                   "(a first line cut short when the task was killed)",
                                   path.c_str(), torn_bytes));
            start_new_stream(connector_config, task, tasks);
            return;
        }

        std::optional<StreamDescription> recorded = read_stream_file(stream_path);
        if (!recorded)
            throw sdk::FatalError(
                "audit log " + path + " holds " + std::to_string(recovered.totals().records) +
                " records, but " + stream_path + " (what stream wrote them) does not exist: it was "
                "deleted, or the log was written by an older version of the simulator, so it cannot "
                "be continued safely; " + start_over);
        const std::vector<std::string> changes =
            stream_changes(*recorded, describe_stream(connector_config, task, tasks));
        if (!changes.empty()) {
            std::string list;
            for (const std::string& change : changes) list += (list.empty() ? "" : "; ") + change;
            throw sdk::FatalError(
                "audit log " + path + " holds " + std::to_string(recovered.totals().records) +
                " records of a stream with another configuration (" + list +
                "). Continuing it would mix two streams into one truth; restore the configuration, "
                "or " + start_over);
        }
        if (config_.events > 0 && recovered.next_seq() > config_.events)
            throw sdk::FatalError("audit log " + path + " holds seq " +
                                  std::to_string(recovered.next_seq() - 1) + ", past the " +
                                  std::to_string(config_.events) + " records of this task: " +
                                  start_over);

        // The simulated clock keeps the spacing the stream started with; the new rate paces it.
        SimulatorConfig stream_config = connector_config;
        stream_config.rate = recorded_rate(*recorded);
        if (stream_config.rate != connector_config.rate)
            host().info(format("rate is %s now, %s when the stream started: records go out at the "
                               "new rate, while event times keep the stream's original spacing",
                               format_rate(connector_config.rate).c_str(),
                               format_rate(stream_config.rate).c_str()));
        generator_ = std::make_unique<Generator>(task_share(stream_config, task, tasks));

        if (torn_bytes > 0) {
            host().warn(format("audit log %s: dropping its last %" PRIu64 " bytes, a line cut short "
                               "when the task was killed; that record has no line and is sent again",
                               path.c_str(), torn_bytes));
            audit_.truncate(complete_bytes);
        }
        continue_stream(recovered);
    } catch (...) {
        // Releases the lock: a later start of this task must not find the log held.
        try {
            audit_.close();
        } catch (...) {
        }
        generator_.reset();
        try {
            throw;
        } catch (const sdk::FatalError&) {
            throw;
        } catch (const std::exception& error) {
            throw sdk::FatalError(error.what());
        }
    }
}

void SimulatorTask::start_new_stream(const SimulatorConfig& connector_config, int32_t task,
                                     int32_t tasks) {
    // Emptied first, then described: a log with lines always has the description of its stream.
    audit_.truncate(0);
    write_stream_file(stream_file_path(config_.audit_log),
                      describe_stream(connector_config, task, tasks));
    generator_ = std::make_unique<Generator>(config_);
}

void SimulatorTask::continue_stream(const AuditRecovery& recovered) {
    const std::string& path = config_.audit_log;
    totals_ = recovered.totals();
    if (recovered.complete()) {
        finished_ = true;
        completion_written_ = true;
        window_.start_at(recovered.next_seq());
        host().info(format("audit log %s already holds this stream complete (%" PRIu64
                           " records: %" PRIu64 " confirmed, %" PRIu64 " failed): nothing to send. "
                           "To produce a new stream, move %s and %s away",
                           path.c_str(), totals_.records, totals_.confirmed, totals_.failed,
                           path.c_str(), stream_file_path(path).c_str()));
        return;
    }
    // Records before the first one without a line are regenerated only to rebuild the
    // generator's state (its history of events), not sent again.
    const uint64_t first = recovered.first_unsettled();
    for (uint64_t seq = 0; seq < first; ++seq) generator_->next();
    window_.start_at(first);
    const uint64_t next = recovered.next_seq();
    settled_.assign(next, false);
    for (uint64_t seq = first; seq < next; ++seq) settled_[seq] = recovered.settled(seq);
    resumed_highest_offsets_ = recovered.highest_offsets();
    host().info(format("continuing the stream of audit log %s: %" PRIu64 " records have their line "
                       "(%" PRIu64 " confirmed, %" PRIu64 " failed); %" PRIu64 " below seq %" PRIu64
                       " have none (their outcome is unknown) and are sent again, then the stream "
                       "goes on at seq %" PRIu64 ". At least once: a record sent again may now be in "
                       "the topic twice, as identical copies",
                       path.c_str(), totals_.records, totals_.confirmed, totals_.failed,
                       recovered.unsettled(), next, next));
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
    for (uint64_t iterations = 1;; ++iterations) {
        const uint64_t seq = window_.next_seq();
        if (config_.events > 0 && seq >= config_.events) {
            finished_ = true;
            break;
        }
        if (window_.full() || emitted_since_start_ >= allowed) break;
        if (iterations % kClockCheckEvery == 0) {
            now = Clock::now();
            if (time_is_up(now)) {
                finished_ = true;
                break;
            }
            if (now >= deadline) break;
        }
        const GeneratedRecord& record = generator_->next();
        if (seq < settled_.size() && settled_[seq]) {
            window_.skip();  // a continued stream: this record already has its line
            continue;
        }
        window_.add(record.intent, record.key, record.value);
        emitter.emit(record.key, record.value, seq, {}, nullptr,
                     partitions_ > 0 ? user_partition(record.first_user, partitions_) : INGEST_PARTITION_ANY);
        ++totals_.records;
        ++totals_.by_intent[static_cast<size_t>(record.intent)];
        ++emitted;
        ++emitted_since_start_;
    }

    now = Clock::now();
    if (emitted == 0 && !finished_ && emitted_since_start_ >= allowed) pace(now);
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
        if (error.empty() && !resumed_highest_offsets_.empty()) {
            const auto highest = resumed_highest_offsets_.find(partition);
            if (highest != resumed_highest_offsets_.end() && offset <= highest->second) {
                // Its line would claim an offset the log already holds.
                window_.release(*entry);
                if (deferred_error_.empty())
                    deferred_error_ = format(
                        "the broker stored record %" PRIu64 " at partition %d offset %" PRId64
                        ", but the audit log %s already confirms a record at offset %" PRId64
                        " there: the topic holds fewer records than the log describes (it was "
                        "deleted and created again, or the broker lost its data; the embedded "
                        "broker keeps nothing across restarts). The log cannot be continued on "
                        "this topic: move %s and %s away to start a new stream",
                        correlation, partition, offset, config_.audit_log.c_str(), highest->second,
                        config_.audit_log.c_str(), stream_file_path(config_.audit_log).c_str());
                return;
            }
        }
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
    // Records the host stopped without a delivery report for get no line: their outcome is
    // unknown (they may be in the topic or not), so the next start sends them again rather than
    // the log guessing either way.
    const size_t unknown = window_.pending();
    try {
        if (finished_ && unknown == 0) finish_audit();
        audit_.close();
    } catch (const std::exception& e) {
        throw sdk::FatalError(e.what());
    }
    if (unknown > 0)
        host().warn(format("%zu records had no delivery report when the task stopped: their "
                           "outcome is unknown, they have no audit line, and the task sends them "
                           "again when it next starts",
                           unknown));
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
                                           static_cast<double>(emitted_since_start_) / config_.rate));
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
