// The connectors' target states, kept in `<state-dir>/target-states.json` so that a connector
// paused or stopped before a worker restart comes back paused or stopped (Kafka Connect keeps them
// in its config topic). Only PAUSED and STOPPED are written: a connector not in the file runs.
// The herder owns the store and updates it on every pause, resume, stop and removal, so no caller
// has to remember it.
#pragma once

#include "pipeline/task_runner.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace ingest::worker {

class TargetStateStore {
   public:
    // Reads `file` when it exists (an unreadable or malformed file is logged and ignored: the
    // connectors then run). An empty path keeps the states in memory only.
    explicit TargetStateStore(std::filesystem::path file);

    std::optional<pipeline::TargetState> get(const std::string& connector) const;
    // Records `state` (STARTED erases the entry) and rewrites the file atomically when it changed.
    // A write that fails is logged: the operation itself has happened.
    void set(const std::string& connector, pipeline::TargetState state);
    void erase(const std::string& connector) { set(connector, pipeline::TargetState::started); }
    // Forgets every connector not in `connectors` (their files were removed while the worker was down).
    void retain(const std::set<std::string>& connectors);

    const std::filesystem::path& file() const { return file_; }

   private:
    void save() const;

    std::filesystem::path file_;
    std::map<std::string, pipeline::TargetState> states_;
};

}  // namespace ingest::worker
