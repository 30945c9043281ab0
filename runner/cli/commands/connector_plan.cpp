#include "cli/commands/connector_plan.hpp"

#include "control/config_view.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace ingest::cli {
namespace {

using Action = ConnectorChange::Action;

bool masked(const std::optional<std::string>& value) { return value && *value == control::kMasked; }

// The keys whose values differ. The worker never shows a secret: a masked value present on both
// sides cannot be compared and counts as unchanged.
std::vector<KeyChange> changed_keys(const ConnectorConfigMap& before, const ConnectorConfigMap& after) {
    std::set<std::string> keys;
    for (const auto& [key, value] : before) keys.insert(key);
    for (const auto& [key, value] : after) keys.insert(key);
    std::vector<KeyChange> changes;
    for (const auto& key : keys) {
        std::optional<std::string> old_value, new_value;
        if (auto it = before.find(key); it != before.end()) old_value = it->second;
        if (auto it = after.find(key); it != after.end()) new_value = it->second;
        if (old_value && new_value && (*old_value == *new_value || masked(old_value))) continue;
        changes.push_back({key, std::move(old_value), std::move(new_value)});
    }
    return changes;
}

}  // namespace

size_t ConnectorPlan::count(Action action) const {
    return static_cast<size_t>(
        std::count_if(changes.begin(), changes.end(), [action](const auto& change) { return change.action == action; }));
}

ConnectorPlan plan_connectors(const std::map<std::string, ConnectorConfigMap>& desired,
                              const std::map<std::string, ConnectorConfigMap>& current, bool delete_others) {
    ConnectorPlan plan;
    std::vector<ConnectorChange> updates, deletes;
    for (const auto& [name, config] : desired) {
        auto found = current.find(name);
        if (found == current.end()) {
            plan.changes.push_back({Action::create, name, changed_keys({}, config)});
        } else if (auto keys = changed_keys(found->second, config); !keys.empty()) {
            updates.push_back({Action::update, name, std::move(keys)});
        } else {
            plan.unchanged.push_back(name);
        }
    }
    for (const auto& [name, config] : current) {
        if (desired.count(name)) continue;
        if (delete_others) deletes.push_back({Action::remove, name, {}});
        else plan.kept.push_back(name);
    }
    plan.changes.insert(plan.changes.end(), updates.begin(), updates.end());
    plan.changes.insert(plan.changes.end(), deletes.begin(), deletes.end());
    return plan;
}

std::string format_plan(const ConnectorPlan& plan, const SecretKey& secret) {
    std::ostringstream out;
    for (const auto& change : plan.changes) {
        const auto shown = [&](const KeyChange& key, const std::optional<std::string>& value) -> std::string {
            if (!value) return "(unset)";
            return secret(change.name, key.key) || masked(key.before) ? control::kMasked : *value;
        };
        switch (change.action) {
            case Action::create:
                out << "+ create " << change.name << "\n";
                for (const auto& key : change.keys) out << "    " << key.key << ": " << shown(key, key.after) << "\n";
                break;
            case Action::update:
                out << "~ update " << change.name << "\n";
                for (const auto& key : change.keys)
                    out << "    " << key.key << ": " << shown(key, key.before) << " -> " << shown(key, key.after) << "\n";
                break;
            case Action::remove:
                out << "- delete " << change.name << "\n";
                break;
        }
    }
    out << plan_summary(plan) << "\n";
    return out.str();
}

std::string plan_summary(const ConnectorPlan& plan) {
    std::string text = "apply: " + std::to_string(plan.count(Action::create)) + " to create, " +
                       std::to_string(plan.count(Action::update)) + " to update, " +
                       std::to_string(plan.count(Action::remove)) + " to delete, " +
                       std::to_string(plan.unchanged.size()) + " unchanged";
    if (!plan.kept.empty()) text += ", " + std::to_string(plan.kept.size()) + " not in DIR kept (--no-delete)";
    return text;
}

}  // namespace ingest::cli
