// The operator's client commands, each a call of a running worker's REST API:
//   ingest connectors list|status|describe|create|update|pause|resume|stop|start|restart|delete|offsets
//   ingest connectors apply [--dry-run] [--no-delete] DIR   (apply_command.hpp)
//   ingest status [--watch [--interval SECONDS] [--count N]]
// Human-readable tables by default, --json for scripts; distinct exit codes (cli/rest_client.hpp)
// when the worker is down, the token is wrong or the connector is unknown.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace ingest::cli {

class ClientCommands {
   public:
    // Registers the commands on `app` (status) and on its `connectors` subcommand.
    ClientCommands(CLI::App& app, CLI::App& connectors);
    // After parsing: the exit code of the client command given, or nullopt when none was.
    std::optional<int> run() const;

   private:
    int run_chosen() const;

    std::string state_dir_ = ".run";
    std::string url_;
    std::string token_file_;
    bool json_ = false;
    std::string name_;
    std::string file_;
    bool include_tasks_ = false;
    bool only_failed_ = false;
    bool watch_ = false;
    double watch_interval_seconds_ = 2;
    int watch_count_ = 0;
    bool reset_offsets_ = false;
    std::vector<std::string> set_offsets_;     // TOPIC:PARTITION=OFFSET
    std::vector<std::string> forget_offsets_;  // TOPIC:PARTITION
    std::string apply_dir_;
    bool dry_run_ = false;
    bool no_delete_ = false;

    CLI::App* status_ = nullptr;  // ingest status
    CLI::App* list_ = nullptr;
    CLI::App* connector_status_ = nullptr;
    CLI::App* describe_ = nullptr;
    CLI::App* create_ = nullptr;
    CLI::App* update_ = nullptr;
    CLI::App* pause_ = nullptr;
    CLI::App* resume_ = nullptr;
    CLI::App* stop_ = nullptr;
    CLI::App* start_ = nullptr;
    CLI::App* restart_ = nullptr;
    CLI::App* delete_ = nullptr;
    CLI::App* offsets_ = nullptr;
    CLI::App* apply_ = nullptr;
};

}  // namespace ingest::cli
