#include "worker/target_state_store.hpp"

#include "log/logging.hpp"
#include "worker/state_file.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace ingest::worker {
namespace {

std::optional<pipeline::TargetState> parse_state(std::string_view name) {
    if (name == "PAUSED") return pipeline::TargetState::paused;
    if (name == "STOPPED") return pipeline::TargetState::stopped;
    if (name == "STARTED") return pipeline::TargetState::started;
    return std::nullopt;
}

}  // namespace

// {"connectors": {"<name>": "PAUSED" | "STOPPED", ...}}
TargetStateStore::TargetStateStore(std::filesystem::path file) : file_(std::move(file)) {
    if (file_.empty() || !std::filesystem::exists(file_)) return;
    std::ifstream in(file_);
    std::stringstream text;
    text << in.rdbuf();
    try {
        auto document = boost::json::parse(text.str());
        for (const auto& [name, value] : document.as_object().at("connectors").as_object()) {
            auto state = value.is_string() ? parse_state(value.as_string()) : std::nullopt;
            if (!state) {
                log::warn("worker") << file_.string() << ": connector " << std::string(name)
                                    << ": unknown target state " << boost::json::serialize(value) << "; ignored";
                continue;
            }
            if (*state != pipeline::TargetState::started) states_[std::string(name)] = *state;
        }
    } catch (const std::exception& error) {
        log::error("worker") << file_.string() << " cannot be read (" << error.what()
                             << "); every connector starts RUNNING";
        states_.clear();
    }
}

std::optional<pipeline::TargetState> TargetStateStore::get(const std::string& connector) const {
    auto it = states_.find(connector);
    if (it == states_.end()) return std::nullopt;
    return it->second;
}

void TargetStateStore::set(const std::string& connector, pipeline::TargetState state) {
    bool changed;
    if (state == pipeline::TargetState::started) {
        changed = states_.erase(connector) > 0;
    } else {
        auto [it, fresh] = states_.try_emplace(connector, state);
        changed = fresh || it->second != state;
        it->second = state;
    }
    if (changed) save();
}

void TargetStateStore::retain(const std::set<std::string>& connectors) {
    const size_t before = states_.size();
    std::erase_if(states_, [&](const auto& entry) { return !connectors.count(entry.first); });
    if (states_.size() != before) save();
}

void TargetStateStore::save() const {
    if (file_.empty()) return;
    boost::json::object connectors;
    for (const auto& [name, state] : states_) connectors[name] = pipeline::target_state_name(state);
    try {
        write_state_file(file_, boost::json::serialize(boost::json::object{{"connectors", std::move(connectors)}}) + "\n");
    } catch (const std::exception& error) {
        log::error("worker") << "cannot save target states to " << file_.string() << ": " << error.what()
                             << " (they will not survive a restart)";
    }
}

}  // namespace ingest::worker
