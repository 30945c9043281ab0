// Publishes the embedded broker's address: its ports are ephemeral, so clients read it here.
#pragma once

#include <filesystem>
#include <string>

namespace ingest::worker {

// Writes `file` atomically (readers never see half a line), creating its directory.
void write_bootstrap_file(const std::filesystem::path& file, const std::string& bootstrap);

}  // namespace ingest::worker
