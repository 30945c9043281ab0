// Looking at a plugin file without risking the runner: a structural check of its bytes, then
// loading and describing it in a child process.
//
// Loading a shared object runs its code (constructors, the entry point) and trusts its headers; a
// truncated file dies with SIGBUS inside dlopen, a constructor may call exit() or crash. Whatever
// happens to the child, the parent only reads its answer: a child that dies, exits or hangs means
// that file is refused, with the signal, exit status or deadline named.
#pragma once

#include <ingest/plugin_abi.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

namespace ingest::plugin_host {

// What a probe learnt about a plugin (its descriptor's identity), without loading it here.
struct PluginDescription {
    std::filesystem::path file;
    std::string name;
    ingest_plugin_kind kind = INGEST_KIND_SOURCE;
    std::string version;
    std::string description;
    std::string abi_version;  // "1.3": the ABI the plugin was built against
    size_t config_key_count = 0;
};

struct ProbeOptions {
    // How long loading and describing may take before the child is killed and the file refused.
    std::chrono::milliseconds timeout{10'000};
};

// Checks `file`'s ELF structure, then loads it in a child process (fork; nothing is exec'd), which
// applies every check PluginLibrary::load applies and reports the descriptor, then unloads it.
// Throws PluginLoadError naming the file and why: a structural problem, the loader's own refusal,
// or the child's death (signal), exit (its load-time code called exit()) or deadline.
PluginDescription probe_plugin(const std::filesystem::path& file, const ProbeOptions& options = {});

}  // namespace ingest::plugin_host
