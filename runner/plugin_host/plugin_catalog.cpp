#include "plugin_host/plugin_catalog.hpp"

#include "log/logging.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

namespace ingest::plugin_host {
namespace {

// Which file a path leads to, and which version of it: what was probed must be what is loaded.
struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    int64_t modified_ns = 0;

    bool same_file(const FileIdentity& other) const { return device == other.device && inode == other.inode; }
    bool operator==(const FileIdentity&) const = default;
};

std::optional<FileIdentity> identity_of(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return std::nullopt;
    return FileIdentity{st.st_dev, st.st_ino, st.st_size,
                        static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::string join_files(const std::vector<std::filesystem::path>& files) {
    std::string text;
    for (size_t i = 0; i < files.size(); ++i)
        text += (i == 0 ? "" : i + 1 == files.size() ? " and " : ", ") + files[i].string();
    return text;
}

}  // namespace

struct PluginCatalog::State {
    std::vector<std::filesystem::path> dirs;
    std::map<std::string, PluginDescription> available;
    std::map<std::string, FileIdentity> identities;                      // of available plugins' files
    std::map<std::string, std::vector<std::filesystem::path>> ambiguous;  // name → every file declaring it

    mutable std::mutex mutex;  // guards what follows: find() and plugins() run on any thread
    mutable std::vector<PluginLoadError> refused;
    mutable std::map<std::string, std::shared_ptr<PluginLibrary>> loaded;
    mutable std::map<std::string, PluginLoadError> failed_loads;  // accepted by the scan, refused at load
    mutable bool all_loaded = false;  // once true, `loaded` never changes again

    // Loads an accepted plugin into this process; the caller holds the mutex.
    std::shared_ptr<PluginLibrary> load(const std::string& name) const {
        if (auto it = loaded.find(name); it != loaded.end()) return it->second;
        if (auto it = failed_loads.find(name); it != failed_loads.end()) throw it->second;
        const PluginDescription& description = available.at(name);
        try {
            // The probe vouched for these bytes only: a file replaced since then is not loaded here.
            if (identity_of(description.file) != identities.at(name))
                throw PluginLoadError(description.file,
                                      "changed on disk since the plugin path was scanned; restart the worker to use "
                                      "the new file (replace plugin files by renaming a new file into place)");
            auto library = PluginLibrary::load(description.file);
            if (library->name() != name)
                throw PluginLoadError(description.file, "declared plugin '" + name + "' when scanned but '" +
                                                            library->name() + "' when loaded");
            loaded.emplace(name, library);
            return library;
        } catch (const PluginLoadError& error) {
            log::warn("plugins") << error.what();
            refused.push_back(error);
            failed_loads.emplace(name, error);
            throw;
        }
    }
};

PluginCatalog::PluginCatalog() : state_(std::make_unique<State>()) {}
PluginCatalog::PluginCatalog(PluginCatalog&&) noexcept = default;
PluginCatalog& PluginCatalog::operator=(PluginCatalog&&) noexcept = default;
PluginCatalog::~PluginCatalog() = default;

PluginCatalog PluginCatalog::scan(const std::vector<std::filesystem::path>& dirs, const Options& options) {
    PluginCatalog catalog;
    State& state = *catalog.state_;
    state.dirs = dirs;
    std::vector<std::pair<PluginDescription, FileIdentity>> described;
    auto refuse = [&](const PluginLoadError& error) {
        log::warn("plugins") << error.what();
        state.refused.push_back(error);
    };
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
            const auto before = identity_of(file);
            if (before && std::any_of(described.begin(), described.end(),
                                      [&](const auto& seen) { return seen.second.same_file(*before); })) {
                log::debug("plugins") << file.string() << " is a plugin file already scanned; counted once";
                continue;
            }
            try {
                auto description = probe_plugin(file, options.probe);
                const auto after = identity_of(file);
                if (!before || after != before)
                    throw PluginLoadError(file, "changed on disk while it was being checked");
                described.emplace_back(std::move(description), *after);
            } catch (const PluginLoadError& error) {
                refuse(error);
            }
        }
    }

    // A name declared by two files is ambiguous: which one a connector would run would depend on
    // the order of the plugin path. Neither is used; each file's refusal names the others.
    std::map<std::string, std::vector<std::filesystem::path>> files_of;
    for (const auto& [description, identity] : described) files_of[description.name].push_back(description.file);
    for (auto& [description, identity] : described) {
        const auto& files = files_of[description.name];
        if (files.size() > 1) {
            std::vector<std::filesystem::path> others;
            for (const auto& other : files)
                if (other != description.file) others.push_back(other);
            refuse(PluginLoadError(description.file,
                                   "declares plugin '" + description.name + "', as " + join_files(others) +
                                       " also does; the name is ambiguous, so none of these files is used until "
                                       "only one of them is left on the plugin path"));
            state.ambiguous[description.name] = files;
            continue;
        }
        state.identities[description.name] = identity;
        state.available.emplace(description.name, std::move(description));
    }
    return catalog;
}

const std::map<std::string, PluginDescription>& PluginCatalog::available() const { return state_->available; }

std::shared_ptr<PluginLibrary> PluginCatalog::find(const std::string& name) const {
    const State& state = *state_;
    if (state.available.count(name)) {
        std::lock_guard lock(state.mutex);
        return state.load(name);
    }
    std::ostringstream message;
    if (auto ambiguous = state.ambiguous.find(name); ambiguous != state.ambiguous.end()) {
        message << "plugin '" << name << "' is ambiguous: it is declared by " << join_files(ambiguous->second)
                << "; none of them is used until only one is left on the plugin path";
        throw std::runtime_error(message.str());
    }
    message << "no plugin named '" << name << "' on the plugin path (";
    for (size_t i = 0; i < state.dirs.size(); ++i) message << (i ? ":" : "") << state.dirs[i].string();
    message << "); available:";
    if (state.available.empty()) message << " none";
    for (const auto& [known, description] : state.available) message << " " << known;
    for (const auto& refused : refused()) message << "; refused: " << refused.what();
    throw std::runtime_error(message.str());
}

const std::map<std::string, std::shared_ptr<PluginLibrary>>& PluginCatalog::plugins() const {
    const State& state = *state_;
    std::lock_guard lock(state.mutex);
    if (!state.all_loaded) {
        for (const auto& [name, description] : state.available) {
            try {
                state.load(name);
            } catch (const PluginLoadError&) {
                // remembered in `refused` and logged by load()
            }
        }
        state.all_loaded = true;
    }
    return state.loaded;
}

std::vector<PluginLoadError> PluginCatalog::refused() const {
    std::lock_guard lock(state_->mutex);
    return state_->refused;
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
    // The build tree keeps plugins next to the runner's directory (build/runner, build/plugins);
    // an installed runner (`cmake --install`: P/bin/ingest) finds them where the install put them
    // (P/lib/ingest/plugins, or P/<libdir>/ingest/plugins), relative to its own directory.
    auto exe_dir = std::filesystem::path(boost::dll::program_location().parent_path().string());
    const auto installed = (exe_dir / INGEST_PLUGIN_DIR_FROM_BINDIR).lexically_normal();
    std::error_code error;
    dirs.push_back(std::filesystem::is_directory(installed, error) ? installed
                                                                   : (exe_dir / ".." / "plugins").lexically_normal());
    return dirs;
}

}  // namespace ingest::plugin_host
