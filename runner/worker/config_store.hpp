// Where connector configs are kept as written (`${env:...}` references unexpanded): connectors.d/
// files in standalone mode, the cluster's config topic in cluster mode. The REST API creates,
// replaces and deletes connectors only by writing here; the herder applies what was written, so
// every change takes the same path.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace ingest::worker {

class ConfigStore {
   public:
    using Values = std::map<std::string, std::string>;
    virtual ~ConfigStore() = default;

    // The connector's config as written, or nullopt when there is none.
    virtual std::optional<Values> written(const std::string& name) const = 0;
    // Creates or replaces the connector's config; returns where it was written, for the log.
    virtual std::string write(const std::string& name, const Values& values) = 0;
    // Deletes the connector's config; false when there was none.
    virtual bool remove(const std::string& name) = 0;
};

}  // namespace ingest::worker
