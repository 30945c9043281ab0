#include "worker/config_watcher.hpp"

#include "log/logging.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ingest::worker {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

bool is_connector_file_name(std::string_view name) {
    return name.size() > 5 && name.ends_with(".json");
}

// `*.json` regular files of `dir` (a symlink to a regular file counts; an editor's dangling lock
// link does not).
std::set<std::string> connector_files(const fs::path& dir) {
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (is_connector_file_name(name) && entry.is_regular_file(ec)) names.insert(name);
    }
    return names;
}

// The last part of a config's source path, when it lies in `dir`.
std::optional<std::string> file_in(const fs::path& dir, const std::string& source) {
    const fs::path path(source);
    std::error_code ec;
    if (!path.has_filename() || !fs::equivalent(path.parent_path().empty() ? "." : path.parent_path(), dir, ec))
        return std::nullopt;
    return path.filename().string();
}

}  // namespace

std::string describe_problems(const config::ConfigError& error) {
    std::string text = error.source() + ":";
    bool first = true;
    for (const auto& p : error.problems()) {
        text += first ? " " : "; ";
        first = false;
        if (!p.key.empty()) text += "key '" + p.key + "': ";
        text += p.message;
    }
    return text;
}

bool same_config(const config::ConnectorConfig& a, const config::ConnectorConfig& b) {
    return a.name == b.name && a.kind == b.kind && a.runner == b.runner && a.plugin == b.plugin &&
           a.client_overrides == b.client_overrides;
}

ConfigWatcher::ConfigWatcher(Herder& herder, ConnectorResolver resolve, ConfigWatcherOptions options)
    : herder_(herder), resolve_(std::move(resolve)), options_(std::move(options)) {
    if (!options_.force_polling) {
        inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (inotify_fd_ < 0) {
            log::warn("config") << "inotify is unavailable (" << std::strerror(errno) << "); polling "
                                << options_.dir.string() << " every " << options_.poll_interval.count() << " ms";
        } else if (inotify_add_watch(inotify_fd_, options_.dir.c_str(),
                                     IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF |
                                         IN_MOVE_SELF | IN_ONLYDIR) < 0) {
            const int error = errno;
            ::close(inotify_fd_);
            inotify_fd_ = -1;
            throw std::runtime_error("cannot watch " + options_.dir.string() + ": " + std::strerror(error));
        }
    }
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        if (inotify_fd_ >= 0) ::close(inotify_fd_);
        throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    }
    // Adopt what the start-up load applied: those files already own their connectors.
    for (const auto& name : herder_.connectors())
        if (auto definition = herder_.definition(name))
            if (auto file = file_in(options_.dir, definition->config.source)) files_[*file].owns = name;
    thread_ = std::thread(&ConfigWatcher::run, this);
}

ConfigWatcher::~ConfigWatcher() {
    stop();
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ConfigWatcher::stop() {
    std::call_once(stopped_, [this] {
        stopping_.store(true);
        const uint64_t one = 1;
        if (::write(wake_fd_, &one, sizeof one) < 0) { /* the flag alone ends the wait within a poll */ }
        if (thread_.joinable()) thread_.join();
    });
}

std::map<std::string, std::string> ConfigWatcher::problems() const {
    std::lock_guard lock(problems_mutex_);
    return problems_;
}

void ConfigWatcher::run() noexcept {
    try {
        log::info("config") << "watching " << options_.dir.string() << " for connector changes"
                            << (polling() ? " (polling)" : " (inotify)");
        if (polling())
            watch_by_polling();
        else
            watch_with_inotify();
    } catch (const std::exception& e) {
        log::error("config") << "the watcher of " << options_.dir.string()
                             << " stopped: " << e.what() << "; changes there are no longer applied";
    }
}

void ConfigWatcher::watch_with_inotify() {
    reconcile({}, true);  // changes made between the start-up load and the watch
    std::set<std::string> touched;
    bool everything = false;
    std::optional<Clock::time_point> first, due;
    alignas(inotify_event) char buffer[16 * 1024];
    while (!stopping_.load()) {
        int timeout = -1;
        if (due) timeout = static_cast<int>(std::max<long long>(
                      0, std::chrono::duration_cast<std::chrono::milliseconds>(*due - Clock::now()).count() + 1));
        pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        if (::poll(fds, 2, timeout) < 0 && errno != EINTR) throw std::runtime_error(std::strerror(errno));
        if (stopping_.load()) break;
        if (fds[0].revents & POLLIN) {
            ssize_t length;
            while ((length = ::read(inotify_fd_, buffer, sizeof buffer)) > 0) {
                for (char* at = buffer; at < buffer + length;) {
                    const auto* event = reinterpret_cast<const inotify_event*>(at);
                    at += sizeof(inotify_event) + event->len;
                    if (event->mask & IN_Q_OVERFLOW) {
                        everything = true;
                    } else if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                        log::error("config") << options_.dir.string()
                                             << " was removed or moved; its connectors keep running as they are, "
                                                "and changes are no longer applied";
                        return;
                    } else if (event->len > 0 && is_connector_file_name(event->name)) {
                        touched.insert(event->name);
                    } else {
                        continue;
                    }
                    const auto now = Clock::now();
                    if (!first) first = now;
                    // Quiet for `debounce`, but never put off for more than ten of them.
                    due = std::min(now + options_.debounce, *first + 10 * options_.debounce);
                }
            }
        }
        if (due && Clock::now() >= *due) {
            reconcile(std::move(touched), everything);
            touched.clear();
            everything = false;
            first.reset();
            due.reset();
        }
    }
}

void ConfigWatcher::watch_by_polling() {
    struct Seen {
        fs::file_time_type modified;
        uintmax_t size;
        bool operator==(const Seen&) const = default;
    };
    std::map<std::string, Seen> previous;
    std::set<std::string> settling;  // changed at the last scan: taken if unchanged at this one
    reconcile({}, true);
    while (!stopping_.load()) {
        pollfd wake{wake_fd_, POLLIN, 0};
        ::poll(&wake, 1, static_cast<int>(options_.poll_interval.count()));
        if (stopping_.load()) break;
        std::map<std::string, Seen> current;
        std::error_code ec;
        for (const auto& name : connector_files(options_.dir)) {
            const auto path = options_.dir / name;
            auto modified = fs::last_write_time(path, ec);
            auto size = fs::file_size(path, ec);
            if (!ec) current[name] = {modified, size};
        }
        std::set<std::string> touched;
        for (const auto& name : settling)
            if (auto it = current.find(name); it == current.end() || it->second == previous[name]) touched.insert(name);
        std::set<std::string> next_settling;
        for (const auto& [name, seen] : current)
            if (auto it = previous.find(name); it == previous.end() || !(it->second == seen)) next_settling.insert(name);
        for (const auto& [name, seen] : previous)
            if (!current.count(name)) touched.insert(name);  // removed
        for (const auto& name : next_settling) touched.erase(name);
        previous = std::move(current);
        settling = std::move(next_settling);
        if (!touched.empty()) reconcile(std::move(touched), false);
    }
}

std::optional<std::string> ConfigWatcher::owner_of(const std::string& connector, const std::string& except) const {
    for (const auto& [file, state] : files_)
        if (file != except && state.owns == connector) return file;
    return std::nullopt;
}

// Removed files first give up their connectors, but a connector is removed only if no file looked
// at in the same pass defines it again (a rename within the directory keeps it running).
void ConfigWatcher::reconcile(std::set<std::string> names, bool everything) {
    std::error_code ec;
    if (!fs::is_directory(options_.dir, ec)) {
        if (!directory_missing_)
            log::error("config") << options_.dir.string()
                                 << " is not a directory any more; its connectors keep running as they are";
        directory_missing_ = true;
        ++passes_;
        return;
    }
    directory_missing_ = false;
    const auto present = connector_files(options_.dir);
    if (everything) {
        names.insert(present.begin(), present.end());
        for (const auto& [file, state] : files_) names.insert(file);
    }
    std::set<std::string> orphaned;
    for (const auto& file : names) {
        if (present.count(file)) continue;
        auto it = files_.find(file);
        if (it == files_.end()) continue;
        const auto owned = it->second.owns;
        if (owned) orphaned.insert(*owned);
        files_.erase(it);
        clear_problem(file, owned.value_or(""));
    }
    // Files that wanted a name now free get another look.
    for (const auto& [file, state] : files_)
        if (state.wants && orphaned.count(*state.wants)) names.insert(file);
    for (const auto& file : names)
        if (present.count(file)) look_at(file, orphaned);
    for (const auto& connector : orphaned) {
        log::info("config") << "connector " << connector << ": its file was removed; removing the connector";
        try {
            herder_.remove(connector);
        } catch (const std::exception& e) {
            log::error("config") << "cannot remove connector " << connector << ": " << e.what();
        }
    }
    ++passes_;
}

void ConfigWatcher::look_at(const std::string& file, std::set<std::string>& orphaned) {
    FileState& state = files_[file];
    const auto path = options_.dir / file;
    config::ConnectorSpec spec;
    try {
        spec = config::read_connector_file(path, config::process_env());
    } catch (const config::ConfigError& error) {
        report(file, describe_problems(error), state.owns);
        return;
    }
    // A name another file defines is not this file's to take.
    if (auto other = owner_of(spec.name, file)) {
        state.wants = spec.name;
        report(file,
               path.string() + ": connector name '" + spec.name + "' is already used by " +
                   (options_.dir / *other).string(),
               state.owns);
        return;
    }
    state.wants.reset();
    ConnectorDefinition definition;
    try {
        definition = resolve_(spec);
    } catch (const config::ConfigError& error) {
        report(file, describe_problems(error), state.owns ? state.owns : std::optional(spec.name));
        return;
    } catch (const std::exception& error) {
        report(file, path.string() + ": key 'plugin': " + error.what(),
               state.owns ? state.owns : std::optional(spec.name));
        return;
    }
    // The file now defines another connector than before: the old one goes (unless another file
    // takes it in this pass).
    if (state.owns && *state.owns != spec.name) orphaned.insert(*state.owns);
    orphaned.erase(spec.name);
    state.owns = spec.name;
    clear_problem(file, spec.name);
    auto current = herder_.definition(spec.name);
    if (current && same_config(current->config, definition.config) && current->library == definition.library) {
        log::debug("config") << path.string() << ": connector " << spec.name << " unchanged";
        return;
    }
    try {
        const bool created = herder_.apply(std::move(definition));
        log::info("config") << path.string() << ": connector " << spec.name
                            << (created ? " created" : " reconfigured");
    } catch (const std::exception& e) {
        log::error("config") << path.string() << ": cannot apply connector " << spec.name << ": " << e.what();
    }
}

void ConfigWatcher::report(const std::string& file, const std::string& problems,
                           const std::optional<std::string>& connector) {
    {
        std::lock_guard lock(problems_mutex_);
        auto& known = problems_[file];
        if (known == problems) return;  // said already; another file's event brought us here
        known = problems;
    }
    const bool running = connector && herder_.status(*connector);
    log::error("config") << problems;
    log::error("config") << (options_.dir / file).string() << " was not applied"
                         << (running ? "; connector " + *connector + " keeps running its previous config" : "");
    if (running) herder_.set_config_error(*connector, log::mask_secrets(problems));
}

void ConfigWatcher::clear_problem(const std::string& file, const std::string& connector) {
    {
        std::lock_guard lock(problems_mutex_);
        if (problems_.erase(file) == 0) return;
    }
    if (!connector.empty()) herder_.set_config_error(connector, "");
}

}  // namespace ingest::worker
