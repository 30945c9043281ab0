// Plain-text tables for the client commands: columns as wide as their widest cell, two spaces
// apart, no trailing spaces.
#pragma once

#include <string>
#include <vector>

namespace ingest::cli {

// One line per row, each ending in '\n'.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace ingest::cli
