// The stream file beside an audit log: `<audit log>.stream`, written by the source (the event
// simulator) once when a task starts a stream, read back by the source to decide whether it may
// continue a log, and by the validator to learn how many tasks write audit logs. One rule for the
// paths and one reader, shared by both, so they cannot disagree on where the file is or what it
// says.
//
// Paths: with one source task the audit log is `<audit.log>` and its stream file
// `<audit.log>.stream`; with N > 1 tasks, task i writes `<audit.log>.<i>` and
// `<audit.log>.<i>.stream`.
//
// Contents (one JSON object, one line):
//   {"format":1,"plugin":"source_event_simulator","task":0,"tasks":2,"stream":{"events":"...",...}}
// `stream` holds the source's keys that shape the stream, as text; what they are is the source's
// business (source_event_simulator/src/stream_file.hpp). The file is replaced atomically
// (temporary file, fsync, rename), so a reader sees the old or the new file, never half of one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ingest::plugins::shared::user_events {

inline constexpr int kStreamFileFormat = 1;

struct StreamDescription {
    int32_t task = 0;
    int32_t tasks = 1;
    // Key name -> value as text, in declaration order.
    std::vector<std::pair<std::string, std::string>> keys;

    std::optional<std::string_view> value(std::string_view key) const;
    bool operator==(const StreamDescription&) const = default;
};

// The audit log of task `task` of `tasks`: `audit_path` itself when tasks == 1, else
// `audit_path.<task>`. Empty stays empty (no audit log).
std::string task_audit_log_path(const std::string& audit_path, int32_t task, int32_t tasks);
// The stream file of one task's audit log (the path task_audit_log_path gives).
std::string stream_file_path(const std::string& task_audit_path);

std::string render_stream_description(const StreamDescription& description);
// Throws std::runtime_error naming the problem.
StreamDescription parse_stream_description(std::string_view text);

// Atomically replaces the file. Throws std::runtime_error naming the path and the reason.
void write_stream_file(const std::string& path, const StreamDescription& description);
// nullopt when the file does not exist; throws std::runtime_error when it cannot be read or parsed.
std::optional<StreamDescription> read_stream_file(const std::string& path);

}  // namespace ingest::plugins::shared::user_events
