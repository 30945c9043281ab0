// The plugins found on the plugin path, by name.
#pragma once

#include "plugin_host/plugin_library.hpp"
#include "plugin_host/plugin_probe.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ingest::plugin_host {

class PluginCatalog {
   public:
    struct Options {
        ProbeOptions probe;
    };

    // Looks at every `*.so` in `dirs` without loading any into this process: each file's ELF
    // structure is checked, then it is loaded and described in a child process (probe_plugin). A
    // file that is refused (or whose child died, exited or hung) is remembered with its reason and
    // logged, never fatal: one broken file must not stop the others, let alone the runner. Two
    // files declaring the same plugin name are both refused (each naming the other), and the name
    // is unusable until one goes. The same file reached twice (a symlink, a directory listed
    // twice) counts once.
    static PluginCatalog scan(const std::vector<std::filesystem::path>& dirs, const Options& options = {});

    PluginCatalog();  // empty: no plugin path
    PluginCatalog(PluginCatalog&&) noexcept;
    PluginCatalog& operator=(PluginCatalog&&) noexcept;
    ~PluginCatalog();

    // The plugins the scan accepted, by name, as their probes described them (nothing loaded).
    const std::map<std::string, PluginDescription>& available() const;

    // The plugin called `name`, loaded into this process on first use (later calls share it).
    // Throws std::runtime_error listing what is available and why a refused file might have been
    // the one meant; PluginLoadError when its file changed on disk since the scan.
    std::shared_ptr<PluginLibrary> find(const std::string& name) const;

    // Every plugin the scan accepted, loaded into this process (on the first call). Prefer
    // available() for listing and find() for one plugin: they load nothing or only what is used.
    const std::map<std::string, std::shared_ptr<PluginLibrary>>& plugins() const;

    // The files refused, with their reasons (scan order; a load refused later is appended).
    std::vector<PluginLoadError> refused() const;

   private:
    struct State;
    std::unique_ptr<State> state_;
};

// The plugin path: INGEST_PLUGIN_PATH (colon-separated) if set, else `<executable dir>/../lib/ingest/plugins`
// where that exists (an installed runner), else `<executable dir>/../plugins` (the build tree).
std::vector<std::filesystem::path> default_plugin_path();

}  // namespace ingest::plugin_host
