// `ingest status --watch`: a top-like view of a running worker, redrawn every interval. Each frame
// comes from two REST calls, GET /connectors?expand=status (states, restart counts) and
// GET /worker/metrics (the worker's Prometheus registry as JSON: counters and lag), so the view
// shows what /metrics shows, without parsing its text format. Rates are the difference of a counter
// between two consecutive samples over the time between them: the first frame has none.
#pragma once

#include "cli/rest_client.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ingest::cli {

// One look at the worker.
struct WatchSample {
    std::chrono::steady_clock::time_point taken;
    boost::json::value statuses;  // GET /connectors?expand=status
    boost::json::value metrics;   // GET /worker/metrics
};

// One row: a task, or a connector that has none (stopped, or failed before its tasks started).
struct TaskView {
    std::string connector;
    std::string type;         // source or sink
    std::optional<int> task;  // none: the connector's own row
    std::string state;
    std::optional<double> records_per_second;  // sources: confirmed by the broker; sinks: put
    std::optional<double> dead_letters;        // sinks only
    std::map<std::string, double> errors;      // ingest_task_errors_total by class, the non-zero ones
    int64_t restarts = 0;
    std::optional<double> lag;  // sinks: the sum over their partitions
};

struct PartitionLag {
    std::string connector;
    int task = 0;
    std::string topic;
    int partition = 0;
    double lag = 0;
};

struct WatchFrame {
    std::vector<TaskView> tasks;     // by connector name, then task id
    std::vector<PartitionLag> lags;  // by connector, task, topic, partition
};

// The frame of `current`; rates against `previous` (null for the first frame: no rates yet).
WatchFrame build_frame(const WatchSample& current, const WatchSample* previous);
// The task table, then the lag of every sink partition.
std::string render_frame(const WatchFrame& frame);
// The same as one JSON object (`--watch --json` prints one per line); unknown values are null.
boost::json::object frame_json(const WatchFrame& frame);

struct WatchOptions {
    std::chrono::milliseconds interval{2000};
    int count = 0;  // frames to draw; 0: until SIGINT/SIGTERM
    bool json = false;
};

// Draws frames until `count` were drawn or SIGINT/SIGTERM arrives (kClientOk). On a terminal each
// frame replaces the last (ANSI home and clear); otherwise frames follow each other, a blank line
// apart. A worker that stops answering ends the watch with kWorkerUnreachable; other failures
// throw ClientError as every client command does.
int watch_status(const RestClient& client, const WatchOptions& options);

}  // namespace ingest::cli
