// The plan of `ingest connectors apply DIR`: what makes a worker's connectors equal a directory's.
// Pure: the directory's connectors and the worker's configs go in, the differences come out, and
// the plan prints as a list of changes (secret values masked). apply_command.* does the I/O.
//
// Configs are compared as the REST API holds them: Kafka Connect's flat map of strings, values
// `${env:...}`-expanded (the worker shows its expansion; the directory's is expanded in apply's
// environment), `connector.class` read as `plugin`, a `name` key left out. A value the worker
// shows masked (`****`, a password) cannot be compared: it counts as unchanged when both sides
// have the key, and only its adding or removing is a difference.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ingest::cli {

using ConnectorConfigMap = std::map<std::string, std::string>;

struct KeyChange {
    std::string key;
    std::optional<std::string> before;  // none: the worker's config lacks the key
    std::optional<std::string> after;   // none: the directory's lacks it
};

struct ConnectorChange {
    enum class Action { create, update, remove };
    Action action = Action::create;
    std::string name;
    std::vector<KeyChange> keys;  // create: every key (before none); update: the changed ones; remove: none
};

struct ConnectorPlan {
    std::vector<ConnectorChange> changes;  // in the order they are applied: creates, updates, deletes
    std::vector<std::string> unchanged;
    std::vector<std::string> kept;  // on the worker, not in the directory, kept because deletes were off

    size_t count(ConnectorChange::Action action) const;
    bool empty() const { return changes.empty(); }
};

// The differences between `desired` (the directory's connectors by name) and `current` (the
// worker's). Connectors only on the worker are deleted when `delete_others`, else kept.
ConnectorPlan plan_connectors(const std::map<std::string, ConnectorConfigMap>& desired,
                              const std::map<std::string, ConnectorConfigMap>& current, bool delete_others);

// Whether connector `name`'s key `key` holds a secret (printed masked).
using SecretKey = std::function<bool(const std::string& name, const std::string& key)>;

// The plan as printed, one line per change and per changed key, then the summary line:
//   + create NAME            (then "    key: value" for each of its keys)
//   ~ update NAME            (then "    key: old -> new"; "(unset)" for a missing side)
//   - delete NAME
//   apply: C to create, U to update, D to delete, N unchanged[, K not in DIR kept (--no-delete)]
std::string format_plan(const ConnectorPlan& plan, const SecretKey& secret);
std::string plan_summary(const ConnectorPlan& plan);

}  // namespace ingest::cli
