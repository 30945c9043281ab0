// What makes a task's stream the stream it is, kept beside its audit log in `<audit.log>.stream`
// so that a restarted task can tell whether the log it finds is the beginning of its own stream.
//
// The stream is a pure function of the keys listed here (the seed, the number of events, the
// case rates...) and of the task's share (task i of N). A task that finds an unfinished audit log
// continues that log's stream only when every one of them is unchanged; otherwise two streams would
// be mixed into one truth, so it refuses, naming each key that changed. `rate` is special: it
// paces the task and spaces the simulated clock. A changed rate paces the continued stream, while
// the simulated clock keeps the spacing recorded here, so the stream stays the one the log began.
//
// The file is written once, when a stream starts (an empty or missing audit log), atomically
// (temporary file, fsync, rename), after the audit log was emptied and before its first line: an
// audit log with lines always has the file of the stream that wrote them. The audit log's own line
// format is unchanged by it (schemas/audit_log.schema.json), so every reader of the log keeps
// working. The file's path, format, writer and reader are shared with the validator (which reads
// the task count from it): shared/user_events/stream_file.hpp. What is the simulator's own is here:
// which keys shape its stream, and what a change of them means.
#pragma once

#include "config.hpp"
#include "shared/user_events/stream_file.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ingest::plugins::source_event_simulator {

// The description's keys are the connector's values (before the task's share is taken), so that
// messages name what the operator wrote.
using shared::user_events::kStreamFileFormat;
using shared::user_events::parse_stream_description;
using shared::user_events::read_stream_file;
using shared::user_events::render_stream_description;
using shared::user_events::stream_file_path;
using shared::user_events::StreamDescription;
using shared::user_events::write_stream_file;

// The config keys that shape the stream (rate included, see above), and those that do not: every
// key of config_def() is in exactly one of the two lists (a unit test checks it).
std::span<const char* const> stream_keys();
std::span<const char* const> pacing_keys();

// `config` is the connector's config (not a task share).
StreamDescription describe_stream(const SimulatorConfig& config, int32_t task, int32_t tasks);

// Why `recorded` (the audit log's stream) cannot be continued with `now`: one line per change,
// e.g. "events: 60000 when the stream started, 100000 now". `rate` is not a reason.
std::vector<std::string> stream_changes(const StreamDescription& recorded,
                                        const StreamDescription& now);

// The rate the stream's simulated clock was spaced with (records per second of the connector;
// 0: unthrottled).
double recorded_rate(const StreamDescription& recorded);

}  // namespace ingest::plugins::source_event_simulator
