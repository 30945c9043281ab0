// Publishes the embedded broker's address: its ports are ephemeral, so clients read it here.
#pragma once

#include <filesystem>
#include <string>

namespace ingest::worker {

// Writes `<state_dir>/bootstrap` atomically (readers never see half a line); returns its path.
std::filesystem::path write_bootstrap_file(const std::filesystem::path& state_dir, const std::string& bootstrap);

}  // namespace ingest::worker
