// Follows the source's audit log(s) on a thread of its own, folding every line into the expected
// state as it is written: the truth is ready when the log is complete, whatever the runner's
// put() cadence, and the task thread only asks how far it got (progress()).
//
// Which files: audit.log.tasks = N > 0 names them at once (`<audit.log>` for one task,
// `<audit.log>.0` .. `.<N-1>` for several); 0 reads the count from the source's stream file
// (shared/user_events/stream_file.hpp) once it exists. Until then nothing is known, and progress()
// says so: an empty set of files is never complete. Every task's stream file must agree with the
// count; when it does not, the follower fails, naming both.
#pragma once

#include "audit_log_set.hpp"
#include "audit_tail.hpp"
#include "expected_state.hpp"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ingest::plugins::sink_validator {

class AuditFollower {
   public:
    struct Options {
        std::string audit_log;
        int64_t tasks = 0;  // 0: from the stream file
        ExpectedOptions expected;
    };

    struct Progress {
        bool known = false;          // which files to read is known
        std::string not_known;       // why not, while !known
        bool found = false;          // every file exists
        std::string missing_path;    // the first file not found
        bool complete = false;       // every file has its completion line
        int64_t records = 0;         // record lines read
        int64_t confirmed = 0;
        int64_t malformed = 0;       // confirmed records the decoder calls malformed
        std::map<int32_t, int64_t> highest_offsets;
        std::optional<std::string> failure;  // the log cannot be judged (bad line, spill, count)
    };

    struct LogLine {
        bool warning = false;
        std::string text;
    };

    explicit AuditFollower(Options options);
    ~AuditFollower();
    AuditFollower(const AuditFollower&) = delete;
    AuditFollower& operator=(const AuditFollower&) = delete;

    // Starts reading (once; later calls do nothing).
    void start();
    bool started() const { return thread_.joinable(); }
    Progress progress() const;
    // What the reader wants logged since the last call (the task logs it: host calls stay on
    // the task's thread).
    std::vector<LogLine> take_log();
    // Once progress() says complete: waits for the reader to stop and returns the finished truth.
    // Throws std::runtime_error (SpillError, or the replay's) when it cannot be finished.
    ExpectedState& finish();
    // The files read, in task order (empty until known).
    std::vector<std::string> paths() const;

   private:
    void run();
    // Under the lock. False while the files are not known.
    bool resolve();
    void use_files(int32_t tasks);
    // Under the lock: one chunk of file `index`; returns whether bytes were read.
    bool read_chunk(size_t index);
    bool check_stream_file(size_t index);
    void fail(std::string reason);
    void log(bool warning, std::string text);
    void replay(const std::function<void(std::string_view)>& on_line) const;

    const Options options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool done_ = false;
    std::thread thread_;

    std::vector<std::string> paths_;
    std::vector<std::unique_ptr<AuditLogTail>> tails_;
    std::vector<bool> found_;
    std::vector<bool> streams_checked_;
    std::string not_known_ = "the audit log has not been looked for yet";
    AuditLogSet logs_;
    std::optional<std::string> failure_;
    std::vector<LogLine> log_;
};

}  // namespace ingest::plugins::sink_validator
