// Files the runner publishes for operators and scripts (the embedded broker's address, task
// status). Readers poll them, so each is replaced whole, never seen half written.
#pragma once

#include <filesystem>
#include <string>

namespace ingest::worker {

// Writes `text` to `file` atomically (a temporary file renamed over it), creating its directory.
void write_state_file(const std::filesystem::path& file, const std::string& text);

// The embedded broker's address: its ports are ephemeral, so clients read it here.
inline void write_bootstrap_file(const std::filesystem::path& file, const std::string& bootstrap) {
    write_state_file(file, bootstrap + "\n");
}

}  // namespace ingest::worker
