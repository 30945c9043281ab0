// One loaded plugin shared object: checked once at load, kept loaded while anything uses it.
#pragma once

#include "plugin_host/descriptor_reader.hpp"

#include <ingest/plugin_abi.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

namespace ingest::plugin_host {

// A file that cannot be used as a plugin; the message names the file and the reason.
class PluginLoadError : public std::runtime_error {
   public:
    PluginLoadError(const std::filesystem::path& file, const std::string& reason);
    const std::string& reason() const { return reason_; }

   private:
    std::string reason_;
};

class PluginLibrary {
   public:
    // Loads and checks `file` in this process; throws PluginLoadError. Its ELF structure is checked
    // first, but its code runs here: a file nobody vetted goes through probe_plugin() first
    // (PluginCatalog does). Tasks hold the returned pointer, so the library stays mapped while
    // any object created by it is alive.
    static std::shared_ptr<PluginLibrary> load(const std::filesystem::path& file);

    // The descriptor in this runner's layout: fields the plugin's ABI minor lacks read as zero.
    const ingest_plugin& descriptor() const { return read_.plugin; }
    const std::filesystem::path& file() const { return file_; }
    std::string name() const { return read_.plugin.name; }
    std::span<const ingest_config_key> config_keys() const { return read_.keys; }
    // The plugin's declared metrics (ABI 1.2); empty for older plugins.
    std::span<const ingest_metric_def> metrics() const { return read_.metrics; }
    // "1.1": the ABI version the plugin was built against.
    std::string abi_version() const;

   private:
    PluginLibrary(std::filesystem::path file, boost::dll::shared_library library);

    std::filesystem::path file_;
    boost::dll::shared_library library_;
    ReadDescriptor read_;
};

const char* kind_name(ingest_plugin_kind kind);

}  // namespace ingest::plugin_host
