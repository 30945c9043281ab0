#include "cluster/distributed_herder.hpp"

#include "log/logging.hpp"
#include "worker/connector_offsets.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace ingest::cluster {
namespace {

namespace json = boost::json;

// The config topic's keys, as Kafka Connect names its own: connector-NAME (the config as written
// and the task slots; a tombstone deletes the connector), target-state-NAME, restart-NAME.
const std::string kConnectorKey = "connector-";
const std::string kTargetKey = "target-state-";
const std::string kRestartKey = "restart-";
// The status topic's: status-task-NAME-ID.
const std::string kTaskStatusKey = "status-task-";

std::string task_key(const std::string& connector, int task) {
    return kTaskStatusKey + connector + "-" + std::to_string(task);
}

const char* target_text(TargetState state) {
    switch (state) {
        case TargetState::started: return "STARTED";
        case TargetState::paused: return "PAUSED";
        case TargetState::stopped: return "STOPPED";
    }
    return "STARTED";
}

TargetState target_of(const std::string& text) {
    if (text == "STARTED") return TargetState::started;
    if (text == "PAUSED") return TargetState::paused;
    if (text == "STOPPED") return TargetState::stopped;
    throw std::invalid_argument("unknown target state '" + text + "'");
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

json::object parse_object(const std::string& text) {
    auto value = json::parse(text);
    if (!value.is_object()) throw std::invalid_argument("not a JSON object");
    return std::move(value.as_object());
}

}  // namespace

DistributedHerder::DistributedHerder(ClusterOptions options)
    : options_(std::move(options)),
      topics_(ClusterTopics::of(options_.cluster)),
      local_({options_.bootstrap, options_.worker_id, options_.prepare, {},
              [this](const std::string& connector, int task) { return runs_task(connector, task); }}) {
    kafka::ensure_topics(options_.bootstrap, topics_.specs());
    status_log_ = std::make_unique<kafka::CompactedLog>(
        options_.bootstrap, topics_.status,
        [this](const std::string& key, const std::optional<std::string>& value) { on_status_record(key, value); });
    config_log_ = std::make_unique<kafka::CompactedLog>(
        options_.bootstrap, topics_.configs,
        [this](const std::string& key, const std::optional<std::string>& value) { on_config_record(key, value); });
    size_t count = 0;
    {
        std::lock_guard lock(state_mutex_);
        caught_up_ = true;
        count = connectors_.size();
    }
    log::info("cluster") << "worker " << options_.worker_id << " read " << count << " connector"
                         << (count == 1 ? "" : "s") << " from " << topics_.configs << "; joining group "
                         << topics_.group << " for the task slots of " << topics_.slots;
    publisher_ = std::thread(&DistributedHerder::publish_statuses, this);
    membership_ = std::make_unique<kafka::GroupMembership>(
        options_.bootstrap, topics_.group, topics_.slots, options_.membership,
        [this](const std::vector<int32_t>& slots) { on_assignment(slots); });
}

DistributedHerder::~DistributedHerder() { shutdown(); }

void DistributedHerder::changed() {
    {
        std::lock_guard lock(state_mutex_);
        ++version_;
    }
    state_changed_.notify_all();
}

// ---- what the topics say ----

void DistributedHerder::on_config_record(const std::string& key, const std::optional<std::string>& value) {
    if (starts_with(key, kConnectorKey)) {
        const std::string name = key.substr(kConnectorKey.size());
        if (!value) {
            {
                std::lock_guard lock(state_mutex_);
                connectors_.erase(name);
            }
            local_.remove(name);
            changed();
            return;
        }
        const auto record = parse_object(*value);
        Values values;
        for (const auto& [config_key, config_value] : record.at("config").as_object()) {
            if (!config_value.is_string()) throw std::invalid_argument("config key '" + std::string(config_key) + "' is not a string");
            values[std::string(config_key)] = std::string(config_value.as_string());
        }
        std::vector<int> slots;
        for (const auto& slot : record.at("slots").as_array()) slots.push_back(static_cast<int>(slot.to_number<int64_t>()));
        TargetState target = TargetState::started;
        bool unchanged = false;
        {
            std::lock_guard lock(state_mutex_);
            auto [it, created] = connectors_.try_emplace(name);
            if (created) {
                if (auto early = early_targets_.find(name); early != early_targets_.end()) {
                    it->second.target = early->second;
                    early_targets_.erase(early);
                }
            } else {
                unchanged = it->second.values == values && it->second.slots == slots && it->second.error.empty();
            }
            it->second.values = values;
            it->second.slots = slots;
            target = it->second.target;
        }
        if (unchanged && local_.definition(name)) return;
        std::string error;
        try {
            local_.apply(options_.resolve(name, values), target);
        } catch (const std::exception& e) {
            // Valid where it was written, not here (a plugin or ${env:...} this worker lacks).
            error = log::mask_secrets(e.what());
            log::error("cluster") << "connector " << name << " cannot run on this worker: " << error;
            local_.remove(name);
        }
        {
            std::lock_guard lock(state_mutex_);
            if (auto it = connectors_.find(name); it != connectors_.end()) it->second.error = error;
        }
        changed();
    } else if (starts_with(key, kTargetKey)) {
        const std::string name = key.substr(kTargetKey.size());
        if (!value) return;  // written with the connector's tombstone
        const TargetState target = target_of(std::string(parse_object(*value).at("state").as_string()));
        {
            std::lock_guard lock(state_mutex_);
            if (auto it = connectors_.find(name); it != connectors_.end())
                it->second.target = target;
            else
                early_targets_[name] = target;
        }
        if (!local_.definition(name)) return;
        switch (target) {
            case TargetState::started: local_.resume(name); break;
            case TargetState::paused: local_.pause(name); break;
            case TargetState::stopped: local_.stop(name); break;
        }
        changed();
    } else if (starts_with(key, kRestartKey)) {
        {
            std::lock_guard lock(state_mutex_);
            if (!caught_up_) return;  // requests from before this worker started were served then
        }
        if (!value) return;
        const std::string name = key.substr(kRestartKey.size());
        if (!local_.definition(name)) return;
        const auto request = parse_object(*value);
        if (const auto* task = request.if_contains("task")) {
            try {
                local_.restart_task(name, static_cast<int>(task->to_number<int64_t>()));
            } catch (const std::out_of_range&) {
            }
        } else {
            local_.restart(name, request.at("include_tasks").as_bool(), request.at("only_failed").as_bool());
        }
    } else {
        log::warn("cluster") << "ignoring record '" << key << "' of " << topics_.configs << " (unknown key)";
    }
}

void DistributedHerder::on_status_record(const std::string& key, const std::optional<std::string>& value) {
    if (!starts_with(key, kTaskStatusKey)) return;
    {
        std::lock_guard lock(state_mutex_);
        if (value)
            task_statuses_[key] = worker::task_status_from_json(parse_object(*value));
        else
            task_statuses_.erase(key);
        ++version_;
    }
    state_changed_.notify_all();
}

bool DistributedHerder::runs_task(const std::string& connector, int task) const {
    std::lock_guard lock(state_mutex_);
    auto it = connectors_.find(connector);
    return it != connectors_.end() && task >= 0 && held_.count(it->second.slot_of(task)) > 0;
}

void DistributedHerder::on_assignment(const std::vector<int32_t>& slots) {
    // The tasks this worker runs now, to mark those it gives up UNASSIGNED before anyone else
    // gets them (a worker that dies cannot: its tasks show its last status until they start again).
    std::vector<std::pair<std::string, int>> before;
    for (const auto& status : local_.statuses())
        for (const auto& task : status.tasks)
            if (runs_task(status.name, task.id)) before.emplace_back(status.name, task.id);
    {
        std::lock_guard lock(state_mutex_);
        held_ = std::set<int>(slots.begin(), slots.end());
    }
    std::string list;
    for (int slot : slots) list += (list.empty() ? "" : ",") + std::to_string(slot);
    log::info("cluster") << "worker " << options_.worker_id << " holds " << slots.size() << " of " << kSlots
                         << " task slots" << (list.empty() ? "" : ": " + list);
    local_.reassign();
    for (const auto& [name, id] : before) {
        if (runs_task(name, id)) continue;
        worker::TaskStatus unassigned{id};
        unassigned.worker_id = options_.worker_id;
        try {
            status_log_->write(task_key(name, id), json::serialize(worker::to_json(unassigned, options_.worker_id)),
                               false);
        } catch (const std::exception& e) {
            log::warn("cluster") << "cannot publish the status of " << pipeline::task_label(name, id) << ": " << e.what();
        }
    }
    changed();
}

void DistributedHerder::publish_statuses() {
    std::map<std::string, std::string> written;  // what this worker last wrote per task it runs
    uint64_t seen = 0;
    while (!closing_) {
        const uint64_t now = local_.wait_for_change(seen, std::chrono::milliseconds(500));
        if (now != seen) changed();
        seen = now;
        for (const auto& status : local_.statuses())
            for (auto task : status.tasks) {
                const auto key = task_key(status.name, task.id);
                if (!runs_task(status.name, task.id)) {
                    written.erase(key);
                    continue;
                }
                task.worker_id = options_.worker_id;
                const auto text = json::serialize(worker::to_json(task, options_.worker_id));
                bool shown = false;
                {
                    std::lock_guard lock(state_mutex_);
                    auto it = task_statuses_.find(key);
                    shown = it != task_statuses_.end() &&
                            json::serialize(worker::to_json(it->second, options_.worker_id)) == text;
                }
                if (shown || written[key] == text) continue;
                try {
                    status_log_->write(key, text, false);
                    written[key] = text;
                } catch (const std::exception& e) {
                    log::warn("cluster") << "cannot publish the status of " << pipeline::task_label(status.name, task.id)
                                         << ": " << e.what();
                }
            }
    }
}

// ---- writes ----

std::optional<worker::ConfigStore::Values> DistributedHerder::written(const std::string& name) const {
    std::lock_guard lock(state_mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return std::nullopt;
    return it->second.values;
}

void DistributedHerder::write_config(const std::string& name, const Values& values, int tasks) {
    std::lock_guard writing(writing_);
    std::vector<int> slots;
    {
        std::lock_guard lock(state_mutex_);
        std::set<int> used;
        for (const auto& [other, connector] : connectors_)
            if (other != name) used.insert(connector.slots.begin(), connector.slots.end());
        if (auto it = connectors_.find(name); it != connectors_.end())
            for (size_t i = 0; i < it->second.slots.size() && static_cast<int>(i) < tasks; ++i)
                slots.push_back(it->second.slots[i]);
        used.insert(slots.begin(), slots.end());
        // The lowest free slots: the slots spread evenly over the workers from slot 0 up.
        for (int slot = 0; slot < kSlots && static_cast<int>(slots.size()) < tasks; ++slot)
            if (!used.count(slot)) slots.push_back(slot);
        // More tasks than slots: they share slots (and workers).
        while (static_cast<int>(slots.size()) < tasks) slots.push_back(static_cast<int>(slots.size()) % kSlots);
    }
    json::object config;
    for (const auto& [key, value] : values) config[key] = value;
    json::array slot_list;
    for (int slot : slots) slot_list.push_back(slot);
    config_log_->write(kConnectorKey + name,
                       json::serialize(json::object{{"config", std::move(config)}, {"slots", std::move(slot_list)}}));
}

std::string DistributedHerder::write(const std::string& name, const Values& values) {
    const auto definition = options_.resolve(name, values);
    write_config(name, values, definition.config.runner.tasks_max);
    return "topic " + topics_.configs;
}

bool DistributedHerder::apply(ConnectorDefinition definition, TargetState initial) {
    const std::string name = definition.config.name;
    bool created = false;
    {
        std::lock_guard lock(state_mutex_);
        created = !connectors_.count(name);
    }
    if (created && initial != TargetState::started) write_target(name, initial);
    write_config(name, definition.config.raw, definition.config.runner.tasks_max);
    return created;
}

bool DistributedHerder::remove(const std::string& name) {
    {
        std::lock_guard lock(state_mutex_);
        if (!connectors_.count(name)) return false;
    }
    // The connector's records all go: compaction then forgets them.
    config_log_->write(kConnectorKey + name, std::nullopt);
    config_log_->write(kTargetKey + name, std::nullopt);
    config_log_->write(kRestartKey + name, std::nullopt);
    return true;
}

void DistributedHerder::write_target(const std::string& name, TargetState state) {
    config_log_->write(kTargetKey + name, json::serialize(json::object{{"state", target_text(state)}}));
}

const DistributedHerder::Connector& DistributedHerder::find(const std::string& name) const {
    auto it = connectors_.find(name);
    if (it == connectors_.end()) throw worker::UnknownConnector(name);
    return it->second;
}

void DistributedHerder::change_target(const std::string& name, TargetState state) {
    {
        std::lock_guard lock(state_mutex_);
        find(name);
    }
    write_target(name, state);
}

void DistributedHerder::pause(const std::string& name) { change_target(name, TargetState::paused); }
void DistributedHerder::resume(const std::string& name) { change_target(name, TargetState::started); }
void DistributedHerder::stop(const std::string& name) { change_target(name, TargetState::stopped); }

bool DistributedHerder::remember_target_state(const std::string& name, TargetState state) {
    {
        std::lock_guard lock(state_mutex_);
        if (connectors_.count(name)) return false;
    }
    write_target(name, state);
    return true;
}

worker::RestartOutcome DistributedHerder::restart(const std::string& name, bool include_tasks, bool only_failed) {
    auto current = status(name);
    if (!current) throw worker::UnknownConnector(name);
    worker::RestartOutcome outcome;
    if (target_state(name) == TargetState::stopped) return outcome;
    outcome.connector = !only_failed || current->state == worker::State::failed;
    if (include_tasks)
        for (const auto& task : current->tasks)
            if (!only_failed || task.state == worker::State::failed) outcome.tasks.push_back(task.id);
    config_log_->write(kRestartKey + name, json::serialize(json::object{{"include_tasks", include_tasks},
                                                                         {"only_failed", only_failed}}));
    return outcome;
}

void DistributedHerder::restart_task(const std::string& name, int task) {
    auto current = status(name);
    if (!current) throw worker::UnknownConnector(name);
    if (std::none_of(current->tasks.begin(), current->tasks.end(), [&](const auto& t) { return t.id == task; }))
        throw std::out_of_range("connector '" + name + "' has no task " + std::to_string(task));
    config_log_->write(kRestartKey + name, json::serialize(json::object{{"task", task}}));
}

// ---- offsets: any worker can reach where they live ----

std::vector<worker::ConnectorOffset> DistributedHerder::offsets(const std::string& name) {
    auto found = definition(name);
    if (!found) throw worker::UnknownConnector(name);
    return worker::read_offsets(*found, options_.bootstrap);
}

void DistributedHerder::alter_offsets(const std::string& name, const std::vector<worker::ConnectorOffset>& changes) {
    auto found = definition(name);
    if (!found) throw worker::UnknownConnector(name);
    if (target_state(name) != TargetState::stopped) throw worker::ConnectorNotStopped(name);
    worker::alter_offsets(*found, options_.bootstrap, changes);
}

void DistributedHerder::reset_offsets(const std::string& name) {
    auto found = definition(name);
    if (!found) throw worker::UnknownConnector(name);
    if (target_state(name) != TargetState::stopped) throw worker::ConnectorNotStopped(name);
    worker::reset_offsets(*found, options_.bootstrap);
}

// ---- reads: every task, wherever it runs ----

std::optional<worker::ConnectorStatus> DistributedHerder::status(const std::string& name) const {
    auto local = local_.status(name);
    std::lock_guard lock(state_mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return std::nullopt;
    worker::ConnectorStatus status;
    if (local) {
        status = std::move(*local);
    } else {
        status.name = name;
        status.state = worker::State::failed;
        status.trace = it->second.error;
    }
    for (auto& task : status.tasks) {
        if (held_.count(it->second.slot_of(task.id))) {
            task.worker_id = options_.worker_id;
        } else if (auto shown = task_statuses_.find(task_key(name, task.id)); shown != task_statuses_.end()) {
            task = shown->second;
        }
    }
    // Kafka Connect runs a connector object on one worker; here it is where its task 0 runs.
    if (!status.tasks.empty()) status.worker_id = status.tasks.front().worker_id;
    return status;
}

std::vector<worker::ConnectorStatus> DistributedHerder::statuses() const {
    std::vector<worker::ConnectorStatus> result;
    for (const auto& name : connectors())
        if (auto found = status(name)) result.push_back(std::move(*found));
    return result;
}

std::vector<std::string> DistributedHerder::connectors() const {
    std::lock_guard lock(state_mutex_);
    std::vector<std::string> names;
    for (const auto& [name, connector] : connectors_) names.push_back(name);
    return names;
}

std::optional<ConnectorDefinition> DistributedHerder::definition(const std::string& name) const {
    return local_.definition(name);
}

std::optional<TargetState> DistributedHerder::target_state(const std::string& name) const {
    std::lock_guard lock(state_mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return std::nullopt;
    return it->second.target;
}

uint64_t DistributedHerder::version() const {
    std::lock_guard lock(state_mutex_);
    return version_;
}

uint64_t DistributedHerder::wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_mutex_);
    state_changed_.wait_for(lock, timeout, [&] { return version_ != seen; });
    return version_;
}

void DistributedHerder::notify() { changed(); }

void DistributedHerder::shutdown() {
    std::call_once(shut_down_, [this] {
        log::info("cluster") << "worker " << options_.worker_id << " leaves cluster " << options_.cluster;
        membership_.reset();  // revokes the slots: this worker's tasks stop, and start elsewhere
        closing_ = true;
        if (publisher_.joinable()) publisher_.join();
        local_.shutdown();
        config_log_.reset();
        status_log_.reset();
    });
}

}  // namespace ingest::cluster
