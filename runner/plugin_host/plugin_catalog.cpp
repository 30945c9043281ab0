#include "plugin_host/plugin_catalog.hpp"

#include "log/logging.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace ingest::plugin_host {

PluginCatalog PluginCatalog::scan(const std::vector<std::filesystem::path>& dirs) {
    PluginCatalog catalog;
    catalog.dirs_ = dirs;
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            log::warn("plugins") << "plugin path entry " << dir.string() << " is not a directory";
            continue;
        }
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
            if (entry.path().extension() == ".so") files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            try {
                auto library = PluginLibrary::load(file);
                auto [it, fresh] = catalog.plugins_.emplace(library->name(), library);
                if (!fresh)
                    log::warn("plugins") << "plugin '" << library->name() << "' in " << file.string()
                                         << " ignored: already loaded from " << it->second->file().string();
            } catch (const PluginLoadError& error) {
                log::warn("plugins") << error.what();
                catalog.refused_.push_back(error);
            }
        }
    }
    return catalog;
}

std::shared_ptr<PluginLibrary> PluginCatalog::find(const std::string& name) const {
    if (auto it = plugins_.find(name); it != plugins_.end()) return it->second;
    std::ostringstream message;
    message << "no plugin named '" << name << "' on the plugin path (";
    for (size_t i = 0; i < dirs_.size(); ++i) message << (i ? ":" : "") << dirs_[i].string();
    message << "); available:";
    if (plugins_.empty()) message << " none";
    for (const auto& [known, library] : plugins_) message << " " << known;
    for (const auto& refused : refused_) message << "; refused: " << refused.what();
    throw std::runtime_error(message.str());
}

std::vector<std::filesystem::path> default_plugin_path() {
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("INGEST_PLUGIN_PATH"); env && *env) {
        std::stringstream list(env);
        std::string dir;
        while (std::getline(list, dir, ':'))
            if (!dir.empty()) dirs.emplace_back(dir);
        return dirs;
    }
    auto exe_dir = std::filesystem::path(boost::dll::program_location().parent_path().string());
    dirs.push_back((exe_dir / ".." / "plugins").lexically_normal());
    return dirs;
}

}  // namespace ingest::plugin_host
