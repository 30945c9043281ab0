#include "audit_follower.hpp"

#include "spill_file.hpp"
#include "shared/user_events/stream_file.hpp"

#include <algorithm>
#include <chrono>

namespace ingest::plugins::sink_validator {
namespace {

namespace events = shared::user_events;
using namespace std::chrono_literals;

// Bytes parsed per file before the lock is released (about 2,500 lines: a few milliseconds).
constexpr size_t kChunkBytes = 1u << 20;
// How long the reader waits at the end of every file before it looks again.
constexpr auto kIdleWait = 20ms;
constexpr auto kNotKnownWait = 100ms;

}  // namespace

AuditFollower::AuditFollower(Options options)
    : options_(std::move(options)), logs_(1, options_.expected) {
    if (options_.tasks > 0) use_files(static_cast<int32_t>(options_.tasks));
}

AuditFollower::~AuditFollower() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void AuditFollower::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { run(); });
}

void AuditFollower::use_files(int32_t tasks) {
    paths_ = audit_log_paths(options_.audit_log, tasks);
    tails_.clear();
    for (const std::string& path : paths_) tails_.push_back(std::make_unique<AuditLogTail>(path));
    found_.assign(paths_.size(), false);
    streams_checked_.assign(paths_.size(), false);
    logs_ = AuditLogSet(paths_.size(), options_.expected);
    logs_.expected().set_replay(
        [this](const std::function<void(std::string_view)>& on_line) { replay(on_line); });
}

void AuditFollower::replay(const std::function<void(std::string_view)>& on_line) const {
    for (const std::string& path : paths_) {
        AuditLogTail tail(path);
        for (;;) {
            const auto status =
                tail.poll(kChunkBytes, [&](std::string_view line, uint64_t) { on_line(line); });
            if (status != AuditLogTail::Status::Read || tail.at_end()) break;
        }
    }
}

void AuditFollower::fail(std::string reason) {
    if (!failure_) failure_ = std::move(reason);
    done_ = true;
}

void AuditFollower::log(bool warning, std::string text) { log_.push_back({warning, std::move(text)}); }

bool AuditFollower::resolve() {
    if (!paths_.empty()) return true;
    const std::string single = events::stream_file_path(options_.audit_log);
    const std::string first = events::stream_file_path(events::task_audit_log_path(options_.audit_log, 0, 2));
    try {
        const auto one = events::read_stream_file(single);
        const auto several = events::read_stream_file(first);
        if (one && several) {
            not_known_ = "both " + single + " and " + first +
                         " exist: move the one of an older run away, or set audit.log.tasks";
            return false;
        }
        if (!one && !several) {
            not_known_ = "audit log " + options_.audit_log + " not found (no stream file " + single + " or " +
                         first + " yet: the source writes it when it starts)";
            return false;
        }
        const events::StreamDescription& description = one ? *one : *several;
        const std::string& path = one ? single : first;
        if ((one && description.tasks != 1) || (several && (description.tasks < 2 || description.task != 0))) {
            fail("stream file " + path + " says task " + std::to_string(description.task) + " of " +
                 std::to_string(description.tasks) + ", which a source never writes there");
            return false;
        }
        if (description.tasks > 64) {
            fail("stream file " + path + " says " + std::to_string(description.tasks) +
                 " tasks; the validator reads at most 64 audit logs");
            return false;
        }
        use_files(description.tasks);
        log(false, "audit log " + options_.audit_log + ": " + std::to_string(description.tasks) +
                       " source task(s), from stream file " + path);
        return true;
    } catch (const std::exception& error) {
        not_known_ = error.what();  // unreadable for now: readiness names it until the deadline
        return false;
    }
}

bool AuditFollower::check_stream_file(size_t index) {
    if (streams_checked_[index]) return true;
    const std::string path = events::stream_file_path(paths_[index]);
    const auto tasks = static_cast<int32_t>(paths_.size());
    std::optional<events::StreamDescription> description;
    try {
        description = events::read_stream_file(path);
    } catch (const std::exception& error) {
        // The log itself is what is judged; a bad stream file is the source's concern.
        log(true, error.what());
        streams_checked_[index] = true;
        return true;
    }
    streams_checked_[index] = true;
    if (!description) return true;  // written by an older source: nothing to check against
    if (description->tasks == tasks && description->task == static_cast<int32_t>(index)) return true;
    const std::string configured = options_.tasks > 0
                                       ? "audit.log.tasks is " + std::to_string(options_.tasks)
                                       : "the validator reads " + std::to_string(tasks) + " audit logs";
    fail("stream file " + path + " says task " + std::to_string(description->task) + " of " +
         std::to_string(description->tasks) + ", but " + configured +
         ": set audit.log.tasks to the source's tasks.max (" + std::to_string(description->tasks) +
         "), or to 0 to read it from the stream file");
    return false;
}

bool AuditFollower::read_chunk(size_t index) {
    AuditLogTail& tail = *tails_[index];
    const std::string& path = paths_[index];
    uint64_t lines = 0;
    try {
        const auto status = tail.poll(kChunkBytes, [&](std::string_view line, uint64_t number) {
            logs_.file(index).add_line(line, number);
            ++lines;
        });
        if (status == AuditLogTail::Status::Missing) return false;
        found_[index] = true;
        if (status == AuditLogTail::Status::Restarted) {
            // The files' records are folded together: every file is read again.
            log(true, "audit log " + path +
                          " was replaced or truncated; reading every audit log again from the start");
            logs_.reset();
            for (auto& other : tails_) other->rewind();
            streams_checked_.assign(streams_checked_.size(), false);
            return true;
        }
        if (!check_stream_file(index)) return false;
        return lines > 0 || !tail.at_end();
    } catch (const AuditLogError& error) {
        fail("audit log " + path + " " + error.what());
    } catch (const SpillError& error) {
        fail(std::string("keeping the audit log's state: ") + error.what());
    } catch (const std::exception& error) {
        // Unreadable for now (permissions, I/O): readiness keeps waiting until the deadline.
        log(true, error.what());
    }
    return false;
}

void AuditFollower::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_ && !done_) {
        if (!resolve()) {
            if (done_) break;
            wake_.wait_for(lock, kNotKnownWait, [&] { return stopping_; });
            continue;
        }
        bool progressed = false;
        for (size_t index = 0; index < tails_.size() && !done_ && !stopping_; ++index) {
            if (logs_.file(index).complete()) continue;
            progressed = read_chunk(index) || progressed;
            // Let progress() in between chunks.
            lock.unlock();
            lock.lock();
        }
        if (done_) break;
        if (logs_.complete()) {
            done_ = true;
            break;
        }
        if (!progressed) wake_.wait_for(lock, kIdleWait, [&] { return stopping_; });
    }
}

AuditFollower::Progress AuditFollower::progress() const {
    std::lock_guard lock(mutex_);
    Progress progress;
    progress.failure = failure_;
    progress.known = !paths_.empty();
    if (!progress.known) {
        progress.not_known = not_known_;
        return progress;
    }
    progress.found = std::find(found_.begin(), found_.end(), false) == found_.end();
    for (size_t index = 0; index < paths_.size(); ++index)
        if (!found_[index]) {
            progress.missing_path = paths_[index];
            break;
        }
    progress.complete = progress.found && logs_.complete();
    const AuditTotals observed = logs_.observed();
    progress.records = static_cast<int64_t>(observed.records);
    progress.confirmed = static_cast<int64_t>(observed.confirmed);
    progress.malformed = logs_.malformed_records();
    progress.highest_offsets = logs_.highest_offsets();
    return progress;
}

std::vector<AuditFollower::LogLine> AuditFollower::take_log() {
    std::lock_guard lock(mutex_);
    return std::exchange(log_, {});
}

std::vector<std::string> AuditFollower::paths() const {
    std::lock_guard lock(mutex_);
    return paths_;
}

ExpectedState& AuditFollower::finish() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    return logs_.finish(paths_);
}

}  // namespace ingest::plugins::sink_validator
