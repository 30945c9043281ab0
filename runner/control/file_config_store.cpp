#include "control/file_config_store.hpp"

#include "control/config_view.hpp"

namespace ingest::control {

std::filesystem::path FileConfigStore::file_of(const std::string& name) const {
    if (auto found = herder_.definition(name)) {
        std::error_code ignored;
        if (!found->config.source.empty() && std::filesystem::is_regular_file(found->config.source, ignored))
            return found->config.source;
    }
    return files_.path_for(name);
}

std::optional<worker::ConfigStore::Values> FileConfigStore::written(const std::string& name) const {
    return written_config(file_of(name));
}

std::string FileConfigStore::write(const std::string& name, const Values& values) {
    const auto file = file_of(name);
    files_.write(name, values, file);
    return file.string();
}

bool FileConfigStore::remove(const std::string& name) { return files_.remove(file_of(name)); }

}  // namespace ingest::control
