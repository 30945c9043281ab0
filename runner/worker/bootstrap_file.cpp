#include "worker/bootstrap_file.hpp"

#include <fstream>
#include <stdexcept>

namespace ingest::worker {

std::filesystem::path write_bootstrap_file(const std::filesystem::path& state_dir, const std::string& bootstrap) {
    std::filesystem::create_directories(state_dir);
    auto target = state_dir / "bootstrap";
    auto temporary = state_dir / "bootstrap.tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << bootstrap << "\n";
        if (!out) throw std::runtime_error("cannot write " + temporary.string());
    }
    std::filesystem::rename(temporary, target);
    return target;
}

}  // namespace ingest::worker
