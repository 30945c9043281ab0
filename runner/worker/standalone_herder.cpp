#include "worker/standalone_herder.hpp"

#include "log/logging.hpp"

#include <algorithm>
#include <atomic>
#include <set>

namespace ingest::worker {

// Turns one task's reports into its status, and its failures into automatic restarts. Lives as
// long as the task's slot, across restarts of the task; reports come from the task's thread.
class StandaloneHerder::TaskReporter : public pipeline::TaskListener {
   public:
    TaskReporter(StandaloneHerder& herder, std::string connector, int id, RestartPolicy policy)
        : herder_(herder), connector_(std::move(connector)), id_(id), budget_(policy) {}

    // Before each start of the task (the previous runner has been joined).
    void begin_run(uint64_t run) { run_.store(run); }
    // An operator restarted the task: it gets its full count of automatic restarts again.
    void reset_restarts() {
        std::lock_guard lock(budget_mutex_);
        budget_.reset();
    }

    void on_running() override {
        {
            std::lock_guard lock(budget_mutex_);
            budget_.running(RestartBudget::Clock::now());
        }
        set(State::running);
    }
    void on_paused() override { set(State::paused); }
    void on_stopped() override { set(State::stopped); }
    void on_finished() override { set(State::finished); }
    void on_failed(const std::string& trace) override {
        std::optional<std::chrono::milliseconds> delay;
        int used = 0, max = 0;
        {
            std::lock_guard lock(budget_mutex_);
            delay = budget_.failed(RestartBudget::Clock::now());
            used = budget_.used();
            max = budget_.policy().max;
        }
        // FAILED and "restart scheduled" in one change: nobody sees a final failure in between.
        herder_.update_task(connector_, id_, [&](TaskStatus& t) {
            t.state = State::failed;
            t.trace = trace;
            t.restart_scheduled = delay.has_value();
        });
        const auto label = pipeline::task_label(connector_, id_);
        if (delay) {
            log::warn(label) << "automatic restart " << used << "/" << max << " in " << delay->count() << " ms";
            herder_.schedule_restart(connector_, id_, run_.load(), *delay);
        } else if (max > 0) {
            log::error(label) << "task stays FAILED: its " << max
                              << " automatic restarts in a row (errors.restart.max) are used up";
        }
    }
    void on_verdict(bool passed, const std::string& summary) override {
        herder_.update_task(connector_, id_, [&](TaskStatus& t) { t.verdict = Verdict{passed, summary}; });
    }

   private:
    void set(State state, const std::string& trace = {}) {
        herder_.update_task(connector_, id_, [&](TaskStatus& t) {
            t.state = state;
            t.trace = trace;
        });
    }

    StandaloneHerder& herder_;
    const std::string connector_;
    const int id_;
    std::atomic<uint64_t> run_{0};
    std::mutex budget_mutex_;
    RestartBudget budget_;
};

namespace {

State connector_state(TargetState target) {
    switch (target) {
        case TargetState::started: return State::running;
        case TargetState::paused: return State::paused;
        case TargetState::stopped: return State::stopped;
    }
    return State::unassigned;
}

}  // namespace

StandaloneHerder::StandaloneHerder(HerderOptions options)
    : options_(std::move(options)), target_states_(options_.target_state_file) {
    restarter_ = std::thread(&StandaloneHerder::run_restarter, this);
}

StandaloneHerder::~StandaloneHerder() { shutdown(); }

void StandaloneHerder::schedule_restart(const std::string& connector, int task, uint64_t run,
                                        std::chrono::milliseconds delay) {
    {
        std::lock_guard lock(restarts_mutex_);
        if (closing_) return;
        pending_.push_back({std::chrono::steady_clock::now() + delay, connector, task, run});
    }
    restarts_changed_.notify_all();
}

void StandaloneHerder::run_restarter() {
    std::unique_lock lock(restarts_mutex_);
    while (!closing_) {
        if (pending_.empty()) {
            restarts_changed_.wait(lock);
            continue;
        }
        auto next = std::min_element(pending_.begin(), pending_.end(),
                                     [](const auto& a, const auto& b) { return a.due < b.due; });
        if (std::chrono::steady_clock::now() < next->due) {
            restarts_changed_.wait_until(lock, next->due);
            continue;
        }
        PendingRestart due = std::move(*next);
        pending_.erase(next);
        lock.unlock();
        try {
            restart_failed_task(due);
        } catch (const std::exception& e) {
            log::error("worker") << "automatic restart of " << pipeline::task_label(due.connector, due.task)
                                 << " failed: " << e.what();
        }
        lock.lock();
    }
}

void StandaloneHerder::restart_failed_task(const PendingRestart& pending) {
    std::lock_guard lock(operations_);
    if (shut_down_) return;
    auto it = connectors_.find(pending.connector);
    if (it == connectors_.end()) return;
    Connector& connector = it->second;
    if (connector.target == TargetState::stopped || pending.task < 0 ||
        static_cast<size_t>(pending.task) >= connector.tasks.size())
        return;
    Task& task = connector.tasks[static_cast<size_t>(pending.task)];
    // Restarted, replaced or stopped by an operation since it failed: nothing left to do.
    if (task.run != pending.run || !task.runner) return;
    log::info(pipeline::task_label(pending.connector, pending.task)) << "restarting the failed task automatically";
    task.runner->join();
    task.runner.reset();
    update_task(pending.connector, pending.task, [](TaskStatus& t) {
        t.state = State::restarting;
        t.restart_scheduled = false;
        ++t.restarts;
    });
    start_task(connector, pending.task);
}

void StandaloneHerder::stop_restarter() {
    std::call_once(restarter_stopped_, [this] {
        {
            std::lock_guard lock(restarts_mutex_);
            closing_ = true;
            pending_.clear();
        }
        restarts_changed_.notify_all();
        if (restarter_.joinable()) restarter_.join();
    });
}

void StandaloneHerder::set_config_error(const std::string& name, const std::string& error) {
    update(name, [&](ConnectorStatus& s) { s.config_error = error; });
}

bool StandaloneHerder::remember_target_state(const std::string& name, TargetState state) {
    std::lock_guard lock(operations_);
    if (shut_down_ || connectors_.count(name)) return false;
    target_states_.set(name, state);
    return true;
}

void StandaloneHerder::forget_other_target_states() {
    std::lock_guard lock(operations_);
    std::set<std::string> names;
    for (const auto& [name, connector] : connectors_) names.insert(name);
    target_states_.retain(names);
}

StandaloneHerder::Connector& StandaloneHerder::find(const std::string& name) {
    if (shut_down_) throw std::logic_error("the herder is shut down");
    auto it = connectors_.find(name);
    if (it == connectors_.end()) throw UnknownConnector(name);
    return it->second;
}

void StandaloneHerder::update(const std::string& name, const std::function<void(ConnectorStatus&)>& change) {
    {
        std::lock_guard lock(status_mutex_);
        auto it = statuses_.find(name);
        if (it == statuses_.end()) return;
        change(it->second);
        ++version_;
    }
    changed_.notify_all();
}

void StandaloneHerder::update_task(const std::string& name, int id, const std::function<void(TaskStatus&)>& change) {
    update(name, [&](ConnectorStatus& status) {
        auto task = std::find_if(status.tasks.begin(), status.tasks.end(), [&](const TaskStatus& t) { return t.id == id; });
        if (task != status.tasks.end()) change(*task);
    });
}

bool StandaloneHerder::runs(const std::string& connector, int task) const {
    return !options_.runs_task || options_.runs_task(connector, task);
}

void StandaloneHerder::reassign() {
    std::lock_guard lock(operations_);
    if (shut_down_) return;
    std::vector<Task*> leaving;
    for (auto& [name, connector] : connectors_)
        for (size_t id = 0; id < connector.tasks.size(); ++id) {
            auto& task = connector.tasks[id];
            if (task.runner && !runs(name, static_cast<int>(id))) {
                task.runner->request_stop();
                leaving.push_back(&task);
            }
        }
    for (auto* task : leaving) {
        task->runner->join();
        task->runner.reset();
    }
    for (auto& [name, connector] : connectors_) {
        if (connector.target == TargetState::stopped) continue;
        for (size_t id = 0; id < connector.tasks.size(); ++id) {
            const int task = static_cast<int>(id);
            if (!runs(name, task))
                update_task(name, task, [](TaskStatus& t) { t = TaskStatus{t.id}; });
            else if (!connector.tasks[id].runner)
                start_task(connector, task);
        }
    }
}

void StandaloneHerder::start_task(Connector& connector, int id) {
    const auto& definition = connector.definition;
    if (!runs(definition.config.name, id)) return;  // another worker's: stays UNASSIGNED here
    update_task(definition.config.name, id, [](TaskStatus& t) {
        // RESTARTING stays until the task reports in, as in Kafka Connect.
        if (t.state != State::restarting) t.state = State::unassigned;
        t.trace.clear();
        t.verdict.reset();
        t.restart_scheduled = false;
    });
    Task& task = connector.tasks.at(static_cast<size_t>(id));
    if (!task.reporter)
        task.reporter = std::make_unique<TaskReporter>(*this, definition.config.name, id,
                                                       RestartPolicy::of(definition.config.runner));
    task.run = ++next_run_;
    task.reporter->begin_run(task.run);
    task.runner = std::make_unique<pipeline::TaskRunner>(
        pipeline::TaskSettings{definition.config, definition.library, id, options_.bootstrap}, *task.reporter,
        connector.target);
}

// Prepares the connector and starts all its tasks in its target state.
void StandaloneHerder::start(Connector& connector) {
    const auto& config = connector.definition.config;
    const auto& library = *connector.definition.library;
    const int count = config.runner.tasks_max;
    try {
        if (options_.prepare) options_.prepare(config);
    } catch (const std::exception& e) {
        std::string trace = log::mask_secrets(e.what());
        log::error("worker") << "connector " << config.name << " failed: " << trace;
        update(config.name, [&](ConnectorStatus& s) {
            s.state = State::failed;
            s.trace = trace;
            s.tasks.clear();
        });
        return;
    }
    log::info("worker") << "starting connector " << config.name << " (" << library.name() << " "
                        << library.descriptor().version << ", " << count << " task" << (count > 1 ? "s" : "")
                        << ") from " << config.source;
    update(config.name, [&](ConnectorStatus& s) {
        s.state = connector_state(connector.target);
        s.trace.clear();
        s.tasks.clear();
        for (int id = 0; id < count; ++id) s.tasks.push_back(TaskStatus{id, State::unassigned, {}, 0, std::nullopt});
    });
    connector.tasks.resize(static_cast<size_t>(count));
    for (int id = 0; id < count; ++id) start_task(connector, id);
}

// Asks every task to stop first, then waits for all: tasks flush in parallel.
void StandaloneHerder::stop_tasks(Connector& connector) {
    for (auto& task : connector.tasks)
        if (task.runner) task.runner->request_stop();
    for (auto& task : connector.tasks)
        if (task.runner) task.runner->join();
    connector.tasks.clear();  // runners first (declared after their reporters)
}

bool StandaloneHerder::apply(ConnectorDefinition definition, TargetState initial) {
    std::lock_guard lock(operations_);
    if (shut_down_) throw std::logic_error("the herder is shut down");
    const std::string name = definition.config.name;
    auto [it, created] = connectors_.try_emplace(name);
    Connector& connector = it->second;
    if (created) {
        // A connector paused or stopped before the worker restarted comes back so.
        if (auto saved = target_states_.get(name)) {
            connector.target = *saved;
            log::info("worker") << "connector " << name << ": target state " << pipeline::target_state_name(*saved)
                                << " restored from " << target_states_.file().string();
        } else {
            connector.target = initial;
            target_states_.set(name, initial);
        }
    } else {
        log::info("worker") << "connector " << name << ": new config from " << definition.config.source
                            << "; restarting its tasks";
        stop_tasks(connector);
    }
    connector.definition = std::move(definition);
    const auto& config = connector.definition.config;
    const auto& descriptor = connector.definition.library->descriptor();
    {
        std::lock_guard status_lock(status_mutex_);
        auto& status = statuses_[name];
        int restarts = status.restarts;
        status = ConnectorStatus{};
        status.name = name;
        status.type = config.kind == INGEST_KIND_SOURCE ? ConnectorType::source : ConnectorType::sink;
        status.judges = config.kind == INGEST_KIND_SINK && descriptor.sink->reports_verdict;
        status.state = connector_state(connector.target);
        status.restarts = created ? 0 : restarts;
        ++version_;
    }
    changed_.notify_all();
    if (connector.target != TargetState::stopped) start(connector);
    return created;
}

bool StandaloneHerder::remove(const std::string& name) {
    std::lock_guard lock(operations_);
    if (shut_down_) throw std::logic_error("the herder is shut down");
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return false;
    log::info("worker") << "removing connector " << name;
    stop_tasks(it->second);
    connectors_.erase(it);
    target_states_.erase(name);
    {
        std::lock_guard status_lock(status_mutex_);
        statuses_.erase(name);
        ++version_;
    }
    changed_.notify_all();
    return true;
}

void StandaloneHerder::set_target(Connector& connector, TargetState target) {
    connector.target = target;
    target_states_.set(connector.definition.config.name, target);
    for (auto& task : connector.tasks)
        if (task.runner) task.runner->set_target(target);
    update(connector.definition.config.name, [&](ConnectorStatus& s) {
        if (s.state != State::failed) s.state = connector_state(target);
    });
}

void StandaloneHerder::pause(const std::string& name) {
    std::lock_guard lock(operations_);
    Connector& connector = find(name);
    if (connector.target == TargetState::paused) return;
    log::info("worker") << "pausing connector " << name;
    if (connector.target == TargetState::stopped) {
        // Kafka Connect: pausing a stopped connector starts its tasks paused.
        connector.target = TargetState::paused;
        target_states_.set(name, TargetState::paused);
        start(connector);
        return;
    }
    set_target(connector, TargetState::paused);
}

void StandaloneHerder::resume(const std::string& name) {
    std::lock_guard lock(operations_);
    Connector& connector = find(name);
    if (connector.target == TargetState::started) return;
    log::info("worker") << "resuming connector " << name;
    if (connector.target == TargetState::stopped) {
        connector.target = TargetState::started;
        target_states_.set(name, TargetState::started);
        start(connector);
        return;
    }
    set_target(connector, TargetState::started);
}

void StandaloneHerder::stop(const std::string& name) {
    std::lock_guard lock(operations_);
    Connector& connector = find(name);
    if (connector.target == TargetState::stopped) return;
    log::info("worker") << "stopping connector " << name;
    connector.target = TargetState::stopped;
    target_states_.set(name, TargetState::stopped);
    stop_tasks(connector);
    update(name, [](ConnectorStatus& s) {
        s.state = State::stopped;
        s.trace.clear();
        s.tasks.clear();  // as in Kafka Connect: a stopped connector has no tasks
    });
}

RestartOutcome StandaloneHerder::restart(const std::string& name, bool include_tasks, bool only_failed) {
    std::lock_guard lock(operations_);
    Connector& connector = find(name);
    RestartOutcome outcome;
    if (connector.target == TargetState::stopped) return outcome;
    auto current = *status(name);
    const bool connector_failed = current.state == State::failed;
    if (!only_failed || connector_failed) {
        outcome.connector = true;
        log::info("worker") << "restarting connector " << name << (include_tasks ? " and its tasks" : "");
        update(name, [](ConnectorStatus& s) { ++s.restarts; });
        if (connector_failed) {
            // It never got its tasks going (prepare failed): start it all again.
            stop_tasks(connector);
            start(connector);
            for (size_t id = 0; id < connector.tasks.size(); ++id) outcome.tasks.push_back(static_cast<int>(id));
            return outcome;
        }
        update(name, [&](ConnectorStatus& s) { s.state = connector_state(connector.target); s.trace.clear(); });
    }
    if (!include_tasks) return outcome;
    std::vector<int> chosen;
    for (const auto& task : current.tasks)
        if ((!only_failed || task.state == State::failed) && runs(name, task.id)) chosen.push_back(task.id);
    // Stop all chosen tasks first, then start them again.
    for (int id : chosen) {
        auto& task = connector.tasks.at(static_cast<size_t>(id));
        if (task.runner) task.runner->request_stop();
    }
    for (int id : chosen) {
        auto& task = connector.tasks.at(static_cast<size_t>(id));
        if (task.runner) task.runner->join();
        task.runner.reset();
        if (task.reporter) task.reporter->reset_restarts();
        update_task(name, id, [](TaskStatus& t) {
            t.state = State::restarting;
            ++t.restarts;
        });
    }
    for (int id : chosen) start_task(connector, id);
    outcome.tasks = chosen;
    return outcome;
}

void StandaloneHerder::restart_task(const std::string& name, int id) {
    std::lock_guard lock(operations_);
    Connector& connector = find(name);
    if (id < 0 || static_cast<size_t>(id) >= connector.tasks.size())
        throw std::out_of_range("connector '" + name + "' has no task " + std::to_string(id));
    if (!runs(name, id)) return;  // another worker's (cluster mode)
    log::info("worker") << "restarting task " << pipeline::task_label(name, id);
    auto& task = connector.tasks[static_cast<size_t>(id)];
    if (task.runner) {
        task.runner->request_stop();
        task.runner->join();
        task.runner.reset();
    }
    if (task.reporter) task.reporter->reset_restarts();
    update_task(name, id, [](TaskStatus& t) {
        t.state = State::restarting;
        ++t.restarts;
    });
    start_task(connector, id);
}

std::vector<ConnectorOffset> StandaloneHerder::offsets(const std::string& name) {
    // Not serialised with the operations: reading needs no stopped connector, and a slow store
    // must not hold up a pause elsewhere.
    auto found = definition(name);
    if (!found) throw UnknownConnector(name);
    return read_offsets(*found, options_.bootstrap);
}

void StandaloneHerder::alter_offsets(const std::string& name, const std::vector<ConnectorOffset>& changes) {
    std::lock_guard lock(operations_);
    Connector& connector = find(name);
    if (connector.target != TargetState::stopped) throw ConnectorNotStopped(name);
    worker::alter_offsets(connector.definition, options_.bootstrap, changes);
}

void StandaloneHerder::reset_offsets(const std::string& name) {
    std::lock_guard lock(operations_);
    Connector& connector = find(name);
    if (connector.target != TargetState::stopped) throw ConnectorNotStopped(name);
    worker::reset_offsets(connector.definition, options_.bootstrap);
}

std::optional<ConnectorStatus> StandaloneHerder::status(const std::string& name) const {
    std::lock_guard lock(status_mutex_);
    auto it = statuses_.find(name);
    if (it == statuses_.end()) return std::nullopt;
    return it->second;
}

std::vector<ConnectorStatus> StandaloneHerder::statuses() const {
    std::lock_guard lock(status_mutex_);
    std::vector<ConnectorStatus> result;
    for (const auto& [name, status] : statuses_) result.push_back(status);
    return result;
}

std::vector<std::string> StandaloneHerder::connectors() const {
    std::lock_guard lock(status_mutex_);
    std::vector<std::string> names;
    for (const auto& [name, status] : statuses_) names.push_back(name);
    return names;
}

std::optional<ConnectorDefinition> StandaloneHerder::definition(const std::string& name) const {
    std::lock_guard lock(operations_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return std::nullopt;
    return it->second.definition;
}

std::optional<TargetState> StandaloneHerder::target_state(const std::string& name) const {
    std::lock_guard lock(operations_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return std::nullopt;
    return it->second.target;
}

uint64_t StandaloneHerder::version() const {
    std::lock_guard lock(status_mutex_);
    return version_;
}

uint64_t StandaloneHerder::wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(status_mutex_);
    changed_.wait_for(lock, timeout, [&] { return version_ != seen; });
    return version_;
}

void StandaloneHerder::notify() {
    {
        std::lock_guard lock(status_mutex_);
        ++version_;
    }
    changed_.notify_all();
}

void StandaloneHerder::shutdown() {
    stop_restarter();  // before operations_: it may be waiting for that lock
    std::lock_guard lock(operations_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& [name, connector] : connectors_)
        for (auto& task : connector.tasks)
            if (task.runner) task.runner->request_stop();
    for (auto& [name, connector] : connectors_) stop_tasks(connector);
}

}  // namespace ingest::worker
