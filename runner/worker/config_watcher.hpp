// Hot reload of `connectors.d/`: the one path from "a connector file changed" to "the herder runs
// it". REST writes files (ConnectorFiles), operators drop or edit them; this watcher sees the
// change and applies it through the herder:
//   - a new valid file: the connector is created (in its saved target state, else RUNNING);
//   - a changed file: the new version is validated first and applied only if valid (only that
//     connector restarts); a version whose config is unchanged restarts nothing;
//   - an invalid version: every problem is logged and shown on the connector (config_error in its
//     status) while the running version keeps running;
//   - a removed file: the connector is stopped and removed;
//   - a file naming a connector another file already defines: reported, not applied.
// Only `*.json` regular files count, and a file is read only after it was closed or renamed into
// place (inotify IN_CLOSE_WRITE / IN_MOVED_TO), so temporary files and half-written files never
// start anything. Events are debounced: the directory must be quiet for a moment, then every
// touched file is looked at once. Where inotify is unavailable the directory is polled, and a file
// is taken only once its size and modification time held still for one interval.
#pragma once

#include "config/connector_config.hpp"
#include "worker/herder.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace ingest::worker {

struct ConfigWatcherOptions {
    std::filesystem::path dir;
    // How long the directory must be quiet before changes are applied (an editor's save, or a
    // copy of several files, is a burst of events).
    std::chrono::milliseconds debounce{300};
    // Rescan interval when polling.
    std::chrono::milliseconds poll_interval{1000};
    bool force_polling = false;  // tests of the fallback
};

// Turns a connector file's spec into what the herder runs (its plugin found, its config validated
// against it); throws config::ConfigError (or another exception) naming every problem.
using ConnectorResolver = std::function<ConnectorDefinition(const config::ConnectorSpec&)>;

class ConfigWatcher {
   public:
    // Starts watching at once. The connectors the herder already runs from files of `dir` (the
    // start-up load) are adopted; a first look at every file catches changes made since.
    ConfigWatcher(Herder& herder, ConnectorResolver resolve, ConfigWatcherOptions options);
    // stop()
    ~ConfigWatcher();
    ConfigWatcher(const ConfigWatcher&) = delete;
    ConfigWatcher& operator=(const ConfigWatcher&) = delete;

    // Stops watching and waits for a change being applied to finish.
    void stop();
    bool polling() const { return inotify_fd_ < 0; }
    // Files whose newest version is not applied, and why (file name → every problem).
    std::map<std::string, std::string> problems() const;
    // Completed looks at the directory: tests wait on it.
    uint64_t passes() const { return passes_.load(); }

   private:
    struct FileState {
        std::optional<std::string> owns;   // the connector this file defines and the herder runs
        std::optional<std::string> wants;  // a name already taken by another file
    };

    void run() noexcept;
    void watch_with_inotify();
    void watch_by_polling();
    // Looks at `names` (file names in dir), or at every file when `everything`.
    void reconcile(std::set<std::string> names, bool everything);
    void look_at(const std::string& file, std::set<std::string>& orphaned);
    void report(const std::string& file, const std::string& problems, const std::optional<std::string>& connector);
    void clear_problem(const std::string& file, const std::string& connector);
    std::optional<std::string> owner_of(const std::string& connector, const std::string& except) const;

    Herder& herder_;
    const ConnectorResolver resolve_;
    const ConfigWatcherOptions options_;
    int inotify_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<bool> stopping_{false};
    std::atomic<uint64_t> passes_{0};
    bool directory_missing_ = false;

    // Only the watcher's thread touches files_; problems_ is read by others.
    std::map<std::string, FileState> files_;
    mutable std::mutex problems_mutex_;
    std::map<std::string, std::string> problems_;

    std::once_flag stopped_;
    std::thread thread_;
};

// "<file>: key 'k': message; ..." for every problem of a ConfigError.
std::string describe_problems(const config::ConfigError& error);

// Two validated configs that run the same way (the file they came from aside).
bool same_config(const config::ConnectorConfig& a, const config::ConnectorConfig& b);

}  // namespace ingest::worker
