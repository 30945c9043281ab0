#include "worker/bootstrap_file.hpp"

#include <fstream>
#include <stdexcept>

namespace ingest::worker {

void write_bootstrap_file(const std::filesystem::path& file, const std::string& bootstrap) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    auto temporary = file;
    temporary += ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << bootstrap << "\n";
        if (!out) throw std::runtime_error("cannot write " + temporary.string());
    }
    std::filesystem::rename(temporary, file);
}

}  // namespace ingest::worker
