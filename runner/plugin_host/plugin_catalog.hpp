// The plugins found on the plugin path, by name.
#pragma once

#include "plugin_host/plugin_library.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ingest::plugin_host {

class PluginCatalog {
   public:
    // Loads every `*.so` in `dirs`. A file that is refused is remembered with its reason (and
    // logged), not fatal: one broken plugin must not stop the others.
    static PluginCatalog scan(const std::vector<std::filesystem::path>& dirs);

    // The plugin called `name`; throws std::runtime_error listing what is available, and why a
    // refused file might have been the one meant.
    std::shared_ptr<PluginLibrary> find(const std::string& name) const;

    const std::map<std::string, std::shared_ptr<PluginLibrary>>& plugins() const { return plugins_; }
    const std::vector<PluginLoadError>& refused() const { return refused_; }

   private:
    std::vector<std::filesystem::path> dirs_;
    std::map<std::string, std::shared_ptr<PluginLibrary>> plugins_;
    std::vector<PluginLoadError> refused_;
};

// The plugin path: INGEST_PLUGIN_PATH (colon-separated) if set, else `<executable dir>/../plugins`.
std::vector<std::filesystem::path> default_plugin_path();

}  // namespace ingest::plugin_host
