// A standalone worker's ConfigStore: the connector files of connectors.d/. A connector's file is
// the one it was loaded from (any name), else `<name>.json`; the config watcher applies changes.
#pragma once

#include "worker/config_store.hpp"
#include "worker/connector_files.hpp"
#include "worker/herder.hpp"

namespace ingest::control {

class FileConfigStore final : public worker::ConfigStore {
   public:
    FileConfigStore(const worker::Herder& herder, worker::ConnectorFiles files)
        : herder_(herder), files_(std::move(files)) {}

    std::optional<Values> written(const std::string& name) const override;
    std::string write(const std::string& name, const Values& values) override;
    bool remove(const std::string& name) override;

   private:
    std::filesystem::path file_of(const std::string& name) const;

    const worker::Herder& herder_;
    const worker::ConnectorFiles files_;
};

}  // namespace ingest::control
