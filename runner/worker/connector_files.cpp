#include "worker/connector_files.hpp"

#include "worker/state_file.hpp"

#include <boost/json.hpp>

namespace ingest::worker {

void ConnectorFiles::write(const std::string& name, const std::map<std::string, std::string>& config,
                           const std::optional<std::filesystem::path>& file) const {
    boost::json::object values;
    for (const auto& [key, value] : config) values[key] = value;
    const boost::json::object body{{"name", name}, {"config", std::move(values)}};
    write_state_file(file.value_or(path_for(name)), boost::json::serialize(body) + "\n");
}

bool ConnectorFiles::remove(const std::filesystem::path& file) const {
    std::error_code error;
    const bool removed = std::filesystem::remove(file, error);
    if (error) throw std::filesystem::filesystem_error("cannot remove connector file", file, error);
    return removed;
}

}  // namespace ingest::worker
