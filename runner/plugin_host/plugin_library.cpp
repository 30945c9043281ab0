#include "plugin_host/plugin_library.hpp"

#include "config/config_table.hpp"
#include "config/runner_keys.hpp"
#include "plugin_host/elf_check.hpp"

#include <dlfcn.h>

#include <fstream>
#include <functional>
#include <set>

namespace ingest::plugin_host {
namespace {

// [a-z_][a-z0-9_]*: what a plugin's name and its metric names must be to form a Prometheus name.
bool is_metric_word(const char* text) {
    if (!text || !*text || (*text >= '0' && *text <= '9')) return false;
    for (const char* c = text; *c; ++c)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) return false;
    return true;
}

void check_metrics(const ingest_plugin& plugin, const std::function<void(const std::string&)>& add) {
    if (plugin.metric_count == 0) return;
    if (!plugin.metrics) return add("its metric table is missing");
    if (!is_metric_word(plugin.name))
        add("it declares metrics, so its name must match [a-z_][a-z0-9_]* (it is part of the metric names)");
    std::set<std::string> seen;
    for (size_t i = 0; i < plugin.metric_count; ++i) {
        const auto& metric = plugin.metrics[i];
        std::string name = metric.name ? metric.name : "";
        if (!is_metric_word(metric.name))
            add("metric " + std::to_string(i) + " '" + name + "': the name must match [a-z_][a-z0-9_]*");
        else if (name.ends_with("_total"))
            add("metric '" + name + "': declare it without `_total` (counters get it when exported)");
        else if (!seen.insert(name).second)
            add("metric '" + name + "' is declared twice");
        if (metric.type != INGEST_METRIC_COUNTER && metric.type != INGEST_METRIC_GAUGE)
            add("metric '" + name + "': unknown type " + std::to_string(static_cast<int>(metric.type)));
        if (!metric.help || !*metric.help) add("metric '" + name + "' has no help text");
    }
}

// Everything wrong with a descriptor, so that a plugin author sees all of it at once.
std::string check_descriptor(const ingest_plugin& plugin) {
    std::string problems;
    auto add = [&](const std::string& problem) { problems += (problems.empty() ? "" : "; ") + problem; };

    if (!plugin.name || !*plugin.name) add("it has no name");
    if (!plugin.version) add("it has no version");
    if (!plugin.create || !plugin.start || !plugin.stop || !plugin.destroy)
        add("a lifecycle function (create/start/stop/destroy) is missing");
    if (plugin.kind == INGEST_KIND_SOURCE) {
        if (!plugin.source || !plugin.source->poll || !plugin.source->record_delivered ||
            !plugin.source->commit)
            add("it is a source but its source functions are missing");
    } else if (plugin.kind == INGEST_KIND_SINK) {
        if (!plugin.sink || !plugin.sink->open || !plugin.sink->put || !plugin.sink->pre_commit ||
            !plugin.sink->close)
            add("it is a sink but its sink functions are missing");
    } else {
        add("unknown kind " + std::to_string(static_cast<int>(plugin.kind)));
    }
    if (plugin.config_key_count > 0 && !plugin.config_keys) add("its config table is missing");
    else {
        std::span<const ingest_config_key> table(plugin.config_keys, plugin.config_key_count);
        for (const auto& problem : config::check_table(table)) add(problem);
        for (const auto& key : table)
            if (key.name && config::is_runner_key(key.name))
                add("config key '" + std::string(key.name) + "' is reserved for the runner");
    }
    check_metrics(plugin, add);
    return problems;
}

}  // namespace

PluginLoadError::PluginLoadError(const std::filesystem::path& file, const std::string& reason)
    : std::runtime_error("plugin " + file.string() + " refused: " + reason), reason_(reason) {}

PluginLibrary::PluginLibrary(std::filesystem::path file, boost::dll::shared_library library)
    : file_(std::move(file)), library_(std::move(library)) {}

std::string PluginLibrary::abi_version() const {
    return std::to_string(read_.plugin.abi_version) + "." + std::to_string(read_.abi_minor);
}

std::shared_ptr<PluginLibrary> PluginLibrary::load(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) throw PluginLoadError(file, "no such file");
    // dlopen trusts the headers: a truncated file would end this process with SIGBUS.
    if (auto problem = check_elf_structure(file)) throw PluginLoadError(file, *problem);

    boost::dll::shared_library library;
    boost::dll::fs::error_code load_error;
    // rtld_local keeps each plugin's symbols to itself, so two plugins never bind to each other.
    library.load(boost::dll::fs::path(file.string()), load_error,
                 boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    if (load_error) {
        std::string detail = load_error.message();
        if (const char* dl = dlerror()) detail = dl;
        throw PluginLoadError(file, "not a loadable shared object (" + detail + ")");
    }
    if (!library.has(INGEST_PLUGIN_ENTRY_SYMBOL))
        throw PluginLoadError(file, std::string("no entry point '") + INGEST_PLUGIN_ENTRY_SYMBOL +
                                        "' (not an ingest plugin, or built without the SDK's export macro)");

    const ingest_plugin* descriptor = nullptr;
    try {
        descriptor = library.get<const ingest_plugin*()>(INGEST_PLUGIN_ENTRY_SYMBOL)();
    } catch (...) {
        throw PluginLoadError(file, "its entry point threw an exception");
    }
    if (!descriptor) throw PluginLoadError(file, "its entry point returned no descriptor");
    // abi_version is read before anything else: it says whether the rest of the struct means what
    // this runner thinks it means. Within the major, the reader takes what struct_size covers.
    if (descriptor->abi_version != INGEST_ABI_MAJOR)
        throw PluginLoadError(file, "built for plugin ABI major version " + std::to_string(descriptor->abi_version) +
                                        ", this runner speaks major version " + std::to_string(INGEST_ABI_MAJOR) +
                                        " (ABI " + std::to_string(INGEST_ABI_MAJOR) + "." +
                                        std::to_string(INGEST_ABI_MINOR) + "); rebuild it against this SDK");
    std::shared_ptr<PluginLibrary> loaded(new PluginLibrary(file, std::move(library)));
    if (auto problems = read_descriptor(*descriptor, loaded->read_); !problems.empty())
        throw PluginLoadError(file, "invalid descriptor: " + problems);
    if (auto problems = check_descriptor(loaded->descriptor()); !problems.empty())
        throw PluginLoadError(file, "invalid descriptor: " + problems);
    return loaded;
}

const char* kind_name(ingest_plugin_kind kind) {
    return kind == INGEST_KIND_SOURCE ? "source" : kind == INGEST_KIND_SINK ? "sink" : "unknown";
}

}  // namespace ingest::plugin_host
