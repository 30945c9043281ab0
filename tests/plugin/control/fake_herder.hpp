// A herder that runs nothing: it keeps definitions, target states and statuses in memory and
// records the operations it is asked for, so route tests see exactly what the API did.
#pragma once

#include "worker/herder.hpp"

#include <map>
#include <mutex>
#include <set>

namespace ingest::testing {

class FakeHerder final : public worker::Herder {
   public:
    void add(worker::ConnectorDefinition definition, worker::ConnectorStatus status) {
        std::lock_guard lock(mutex_);
        const auto name = definition.config.name;
        definitions_.insert_or_assign(name, std::move(definition));
        statuses_[name] = std::move(status);
    }
    std::vector<std::string> calls() const {
        std::lock_guard lock(mutex_);
        return calls_;
    }

    bool apply(worker::ConnectorDefinition definition, worker::TargetState) override {
        record("apply " + definition.config.name);
        return true;
    }
    bool remove(const std::string& name) override {
        record("remove " + name);
        return true;
    }
    void pause(const std::string& name) override { operate("pause", name); }
    void resume(const std::string& name) override { operate("resume", name); }
    void stop(const std::string& name) override {
        operate("stop", name);
        std::lock_guard lock(mutex_);
        stopped_.insert(name);
    }
    worker::RestartOutcome restart(const std::string& name, bool include_tasks, bool only_failed) override {
        operate("restart", name, std::string(include_tasks ? " tasks" : "") + (only_failed ? " failed" : ""));
        std::lock_guard lock(mutex_);
        if (include_tasks)
            for (auto& task : statuses_[name].tasks)
                if (!only_failed || task.state == worker::State::failed) task.state = worker::State::restarting;
        return {};
    }
    void restart_task(const std::string& name, int task) override {
        operate("restart_task", name, " " + std::to_string(task));
        std::lock_guard lock(mutex_);
        if (task < 0 || task >= static_cast<int>(statuses_[name].tasks.size())) throw std::out_of_range("no such task");
    }

    // Offsets: what set_offsets() gave; altering and resetting record the call and need STOPPED
    // (stop() sets it), as the real herder does.
    void set_offsets(const std::string& name, std::vector<worker::ConnectorOffset> offsets) {
        std::lock_guard lock(mutex_);
        offsets_[name] = std::move(offsets);
    }
    std::vector<worker::ConnectorOffset> offsets(const std::string& name) override {
        operate("offsets", name);
        std::lock_guard lock(mutex_);
        return offsets_[name];
    }
    void alter_offsets(const std::string& name, const std::vector<worker::ConnectorOffset>& changes) override {
        require_stopped(name);
        std::string detail;
        for (const auto& c : changes)
            detail += " " + c.topic + "-" + std::to_string(c.partition) + "=" +
                      (c.offset ? std::to_string(*c.offset) : "null");
        record("alter_offsets " + name + detail);
    }
    void reset_offsets(const std::string& name) override {
        require_stopped(name);
        record("reset_offsets " + name);
    }

    std::optional<worker::ConnectorStatus> status(const std::string& name) const override {
        std::lock_guard lock(mutex_);
        auto found = statuses_.find(name);
        if (found == statuses_.end()) return std::nullopt;
        return found->second;
    }
    std::vector<worker::ConnectorStatus> statuses() const override {
        std::lock_guard lock(mutex_);
        std::vector<worker::ConnectorStatus> result;
        for (const auto& [name, status] : statuses_) result.push_back(status);
        return result;
    }
    std::vector<std::string> connectors() const override {
        std::lock_guard lock(mutex_);
        std::vector<std::string> names;
        for (const auto& [name, definition] : definitions_) names.push_back(name);
        return names;
    }
    std::optional<worker::ConnectorDefinition> definition(const std::string& name) const override {
        std::lock_guard lock(mutex_);
        auto found = definitions_.find(name);
        if (found == definitions_.end()) return std::nullopt;
        return found->second;
    }
    std::optional<worker::TargetState> target_state(const std::string& name) const override {
        std::lock_guard lock(mutex_);
        if (!definitions_.count(name)) return std::nullopt;
        return stopped_.count(name) ? worker::TargetState::stopped : worker::TargetState::started;
    }
    const std::string& worker_id() const override { return worker_id_; }
    uint64_t version() const override { return 0; }
    uint64_t wait_for_change(uint64_t seen, std::chrono::milliseconds) const override { return seen; }
    void notify() override {}
    void shutdown() override {}

   private:
    void record(const std::string& call) {
        std::lock_guard lock(mutex_);
        calls_.push_back(call);
    }
    void operate(const std::string& operation, const std::string& name, const std::string& detail = "") {
        {
            std::lock_guard lock(mutex_);
            if (!definitions_.count(name)) throw worker::UnknownConnector(name);
        }
        record(operation + " " + name + detail);
    }

    void require_stopped(const std::string& name) {
        std::lock_guard lock(mutex_);
        if (!definitions_.count(name)) throw worker::UnknownConnector(name);
        if (!stopped_.count(name)) throw worker::ConnectorNotStopped(name);
    }

    mutable std::mutex mutex_;
    std::map<std::string, worker::ConnectorDefinition> definitions_;
    std::map<std::string, worker::ConnectorStatus> statuses_;
    std::vector<std::string> calls_;
    std::map<std::string, std::vector<worker::ConnectorOffset>> offsets_;
    std::set<std::string> stopped_;
    std::string worker_id_ = "fake-worker";
};

}  // namespace ingest::testing
