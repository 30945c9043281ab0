#include "plugin_host/plugin_probe.hpp"

#include "plugin_host/elf_check.hpp"
#include "plugin_host/plugin_library.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>

namespace ingest::plugin_host {
namespace {

// The child's answer is at most this long; a descriptor's texts are far shorter.
constexpr size_t kMaxAnswerBytes = 1 << 20;
constexpr const char* kUnloadedMarker = "unloaded";

void write_all(int fd, const std::string& text) {
    const char* data = text.data();
    size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(fd, data, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(71);  // the parent went away: nobody is listening
        data += n;
        left -= static_cast<size_t>(n);
    }
}

// Runs in the forked child and never returns. Only this thread exists here; the child ends with
// _exit, so no destructor or atexit handler of the parent's runs (unless the plugin calls exit()).
[[noreturn]] void describe_in_child(int answer_fd, pid_t parent, const std::filesystem::path& file) {
    // Die with the thread that forked us rather than linger as an orphan.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(72);
    // Whatever the library prints goes to stderr: the parent's stdout may be a machine-read listing.
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    // The runner may block or handle signals; a crash in the plugin must end this child visibly.
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTERM, SIGINT, SIGPIPE}) ::signal(sig, SIG_DFL);
    const struct rlimit no_core {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);  // an expected crash leaves no core file behind

    try {
        auto library = PluginLibrary::load(file);
        const auto& d = library->descriptor();
        boost::json::object answer{{"name", d.name},
                                   {"kind", static_cast<int>(d.kind)},
                                   {"version", d.version ? d.version : ""},
                                   {"description", d.description ? d.description : ""},
                                   {"abi", library->abi_version()},
                                   {"config_keys", d.config_key_count}};
        write_all(answer_fd, boost::json::serialize(answer) + "\n");
        library.reset();  // dlclose: a library that crashes when unloaded is refused too
        write_all(answer_fd, std::string(kUnloadedMarker) + "\n");
        ::_exit(0);
    } catch (const PluginLoadError& error) {
        write_all(answer_fd, boost::json::serialize(boost::json::object{{"refused", error.reason()}}) + "\n");
        ::_exit(0);
    } catch (const std::exception& error) {
        write_all(answer_fd, boost::json::serialize(boost::json::object{{"refused", error.what()}}) + "\n");
        ::_exit(0);
    } catch (...) {
        ::_exit(73);
    }
}

std::string signal_text(int sig) {
    std::string text = "signal " + std::to_string(sig);
    const char* abbrev = ::sigabbrev_np(sig);
    const char* description = ::strsignal(sig);
    if (abbrev) text += std::string(" (SIG") + abbrev + (description ? std::string(": ") + description : "") + ")";
    return text;
}

std::string seconds_text(std::chrono::milliseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%g s", static_cast<double>(duration.count()) / 1000.0);
    return text;
}

struct ChildAnswer {
    std::string text;
    bool timed_out = false;
    int status = 0;
};

// Reads the child's answer until it ends (EOF or the child's exit) or the deadline passes, then
// reaps the child (killing it first when it is late).
ChildAnswer collect(int fd, pid_t pid, std::chrono::milliseconds timeout) {
    ChildAnswer answer;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool exited = false;
    char buffer[4096];
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            answer.timed_out = true;
            break;
        }
        pollfd readable{fd, POLLIN, 0};
        int ready = ::poll(&readable, 1, static_cast<int>(std::min<long long>(left.count(), 50)));
        if (ready < 0 && errno != EINTR) break;
        bool eof = false;
        while (true) {
            ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n > 0) {
                if (answer.text.size() < kMaxAnswerBytes) answer.text.append(buffer, static_cast<size_t>(n));
                continue;
            }
            if (n == 0) eof = true;
            break;  // EAGAIN: nothing more for now
        }
        if (eof || exited) break;
        // Another child forked meanwhile may hold a copy of the write end: the exit is what counts.
        if (::waitpid(pid, &answer.status, WNOHANG) == pid) exited = true;  // one more drain, then done
    }
    // The pipe may close before the child ends (its code closed the descriptor): the deadline
    // holds for the exit too.
    while (!exited && !answer.timed_out) {
        const pid_t reaped = ::waitpid(pid, &answer.status, WNOHANG);
        if (reaped == pid || (reaped < 0 && errno == ECHILD)) {
            exited = true;
        } else if (std::chrono::steady_clock::now() >= deadline) {
            answer.timed_out = true;
        } else {
            ::poll(nullptr, 0, 10);
        }
    }
    if (!exited) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &answer.status, 0) < 0 && errno == EINTR) {
        }
    }
    return answer;
}

ingest_plugin_kind kind_of(int64_t value) {
    return value == INGEST_KIND_SINK ? INGEST_KIND_SINK : INGEST_KIND_SOURCE;
}

}  // namespace

PluginDescription probe_plugin(const std::filesystem::path& file, const ProbeOptions& options) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) throw PluginLoadError(file, "no such file");
    if (auto problem = check_elf_structure(file)) throw PluginLoadError(file, *problem);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw PluginLoadError(file, std::string("cannot be probed: pipe: ") + std::strerror(errno));
    // Nothing buffered may be written twice, by the parent and by a child that calls exit().
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        int error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw PluginLoadError(file, std::string("cannot be probed: fork: ") + std::strerror(error));
    }
    if (pid == 0) {
        ::close(fds[0]);
        describe_in_child(fds[1], parent, file);
    }
    ::close(fds[1]);
    ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    ChildAnswer answer = collect(fds[0], pid, options.timeout);
    ::close(fds[0]);

    // The answer: one JSON line (a description or a refusal), then the unload marker.
    std::optional<boost::json::object> reply;
    bool unloaded = false;
    if (auto end = answer.text.find('\n'); end != std::string::npos) {
        boost::system::error_code parse_error;
        auto value = boost::json::parse(std::string_view(answer.text).substr(0, end), parse_error);
        if (!parse_error && value.is_object()) reply = value.as_object();
        unloaded = answer.text.substr(end + 1).starts_with(kUnloadedMarker);
    }

    if (answer.timed_out)
        throw PluginLoadError(file, "loading it did not finish within " + seconds_text(options.timeout) +
                                        " (its load-time code hangs); the probing process was killed");
    const bool described = reply && reply->contains("name");
    const std::string phase = described && !unloaded ? "unloading it (dlclose)" : "loading it";
    if (WIFSIGNALED(answer.status))
        throw PluginLoadError(file, phase + " killed the probing process with " + signal_text(WTERMSIG(answer.status)));
    if (!WIFEXITED(answer.status) || WEXITSTATUS(answer.status) != 0 || !reply || (described && !unloaded)) {
        const int code = WIFEXITED(answer.status) ? WEXITSTATUS(answer.status) : -1;
        throw PluginLoadError(file, phase + " ended the probing process with exit status " + std::to_string(code) +
                                        (described ? "" : " before the plugin was described") +
                                        " (its code called exit())");
    }
    if (const auto* refused = reply->if_contains("refused"); refused && refused->is_string())
        throw PluginLoadError(file, std::string(refused->as_string()));

    try {
        PluginDescription description;
        description.file = file;
        description.name = std::string(reply->at("name").as_string());
        description.kind = kind_of(reply->at("kind").to_number<int64_t>());
        description.version = std::string(reply->at("version").as_string());
        description.description = std::string(reply->at("description").as_string());
        description.abi_version = std::string(reply->at("abi").as_string());
        description.config_key_count = reply->at("config_keys").to_number<size_t>();
        return description;
    } catch (const std::exception& error) {
        throw PluginLoadError(file, std::string("the probing process gave an unreadable description: ") + error.what());
    }
}

}  // namespace ingest::plugin_host
