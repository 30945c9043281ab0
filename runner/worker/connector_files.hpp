// The connector files of `connectors.d/`: the one source of truth for which connectors should run.
// The REST API changes a connector only by writing or removing its file here; the config watcher
// sees the change and the herder applies it, so every change takes the same path.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace ingest::worker {

class ConnectorFiles {
   public:
    explicit ConnectorFiles(std::filesystem::path dir) : dir_(std::move(dir)) {}

    const std::filesystem::path& dir() const { return dir_; }
    // Where a new connector's file goes: `<dir>/<name>.json`.
    std::filesystem::path path_for(const std::string& name) const { return dir_ / (name + ".json"); }

    // Writes {"name": name, "config": config} to `file` (by default path_for(name)) atomically: a
    // temporary file in the same directory, not matching `*.json`, renamed over it, so that a
    // watcher never reads half a file.
    void write(const std::string& name, const std::map<std::string, std::string>& config,
               const std::optional<std::filesystem::path>& file = std::nullopt) const;
    // Removes `file`; false when it was not there.
    bool remove(const std::filesystem::path& file) const;

   private:
    std::filesystem::path dir_;
};

}  // namespace ingest::worker
