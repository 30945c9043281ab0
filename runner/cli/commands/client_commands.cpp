#include "cli/commands/client_commands.hpp"

#include "cli/commands/apply_command.hpp"
#include "cli/commands/status_watch.hpp"
#include "cli/commands/table.hpp"
#include "cli/rest_client.hpp"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <vector>

namespace ingest::cli {
namespace {

namespace json = boost::json;

std::string text_of(const json::value* value) {
    if (!value || value->is_null()) return "";
    if (value->is_string()) return std::string(value->as_string());
    return json::serialize(*value);
}
std::string field(const json::object& object, const char* key) { return text_of(object.if_contains(key)); }

// The first line of a trace: tables stay one line per task; --json has it whole.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// "TOPIC:PARTITION=OFFSET" (`with_offset`) or "TOPIC:PARTITION" as one element of a KIP-875 PATCH
// body. The topic may itself contain ':' (the last one separates the partition).
json::object offset_change(const std::string& text, bool with_offset) {
    const auto usage = [&] {
        return ClientError(kClientUsage, "'" + text + "' is not " +
                                             (with_offset ? "TOPIC:PARTITION=OFFSET" : "TOPIC:PARTITION"));
    };
    std::string spec = text;
    std::optional<int64_t> offset;
    if (with_offset) {
        const auto equals = spec.rfind('=');
        if (equals == std::string::npos) throw usage();
        try {
            size_t used = 0;
            offset = std::stoll(spec.substr(equals + 1), &used);
            if (used != spec.size() - equals - 1 || *offset < 0) throw usage();
        } catch (const std::logic_error&) {
            throw usage();
        }
        spec.resize(equals);
    }
    const auto colon = spec.rfind(':');
    if (colon == std::string::npos || colon == 0) throw usage();
    int partition = 0;
    try {
        size_t used = 0;
        partition = std::stoi(spec.substr(colon + 1), &used);
        if (used != spec.size() - colon - 1 || partition < 0) throw usage();
    } catch (const std::logic_error&) {
        throw usage();
    }
    return {{"partition", json::object{{"kafka_topic", spec.substr(0, colon)}, {"kafka_partition", partition}}},
            {"offset", offset ? json::value(json::object{{"kafka_offset", *offset}}) : nullptr}};
}

void print_table(const std::vector<std::vector<std::string>>& rows) { std::cout << format_table(rows); }

json::value read_json_file(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw ClientError(kClientUsage, "cannot read " + file);
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code error;
    auto parsed = json::parse(text.str(), error);
    if (error || !parsed.is_object())
        throw ClientError(kClientUsage, file + " is not a JSON object (" +
                                            (error ? error.message() : std::string("another JSON value")) + ")");
    return parsed;
}

// One row per task of a Kafka Connect status body, under a connector row.
void print_status(const json::object& status) {
    const auto& connector = status.at("connector").as_object();
    std::vector<std::vector<std::string>> rows{{"CONNECTOR", "TYPE", "STATE", "WORKER", "RESTARTS"}};
    rows.push_back({field(status, "name"), field(status, "type"), field(connector, "state"),
                    field(connector, "worker_id"), field(connector, "restarts")});
    print_table(rows);
    if (auto trace = field(connector, "trace"); !trace.empty()) std::cout << "  trace: " << first_line(trace) << "\n";
    // Whole: it names the refused file and every problem in it, which the operator has to fix.
    if (auto error = field(connector, "config_error"); !error.empty()) {
        std::cout << "  config error (the running version keeps running):\n";
        std::istringstream lines(error);
        for (std::string line; std::getline(lines, line);) std::cout << "    " << line << "\n";
    }
    const auto* tasks = status.if_contains("tasks");
    if (!tasks || !tasks->is_array() || tasks->as_array().empty()) {
        std::cout << "\n(no tasks)\n";
        return;
    }
    std::vector<std::vector<std::string>> task_rows{{"TASK", "STATE", "WORKER", "RESTARTS", "VERDICT", "TRACE"}};
    for (const auto& task_value : tasks->as_array()) {
        const auto& task = task_value.as_object();
        std::string verdict;
        if (const auto* v = task.if_contains("verdict"); v && v->is_object())
            verdict = (v->as_object().at("passed").as_bool() ? "PASS: " : "FAIL: ") + field(v->as_object(), "summary");
        task_rows.push_back({field(task, "id"), field(task, "state"), field(task, "worker_id"), field(task, "restarts"),
                             verdict, first_line(field(task, "trace"))});
    }
    std::cout << "\n";
    print_table(task_rows);
}

// "2/3 RUNNING": how many tasks run, of how many.
std::string task_summary(const json::object& status) {
    const auto* tasks = status.if_contains("tasks");
    if (!tasks || !tasks->is_array()) return "0";
    size_t running = 0;
    for (const auto& task : tasks->as_array())
        if (field(task.as_object(), "state") == "RUNNING") ++running;
    return std::to_string(running) + "/" + std::to_string(tasks->as_array().size()) + " running";
}

}  // namespace

ClientCommands::ClientCommands(CLI::App& app, CLI::App& connectors) {
    auto add_worker_options = [this](CLI::App* command) {
        command->add_option("--state-dir", state_dir_, "The worker's state directory (its address and token)")
            ->capture_default_str();
        command->add_option("--url", url_, "The worker's REST address (http://HOST:PORT); overrides --state-dir");
        command->add_option("--token-file", token_file_, "File holding the worker's token (default <state-dir>/token)");
        return command;
    };
    auto add_common = [&](CLI::App* command) {
        add_worker_options(command)->add_flag("--json", json_, "Print the worker's JSON answer, for scripts");
        return command;
    };
    auto with_name = [&](CLI::App* command) {
        add_common(command)->add_option("name", name_, "Connector name")->required();
        return command;
    };
    status_ = add_common(app.add_subcommand("status", "Summary of a running worker and its connectors"));
    auto* watch = status_->add_flag("--watch", watch_,
                                    "Redraw like top: per task its state, records/s, dead letters, errors by class, "
                                    "restarts and consumer lag per partition (--json: one JSON object per frame)");
    status_->add_option("--interval", watch_interval_seconds_, "Seconds between frames of --watch")
        ->check(CLI::Range(0.1, 3600.0))
        ->needs(watch)
        ->capture_default_str();
    status_->add_option("--count", watch_count_, "Draw this many frames of --watch, then exit (default: until Ctrl-C)")
        ->check(CLI::PositiveNumber)
        ->needs(watch);
    list_ = add_common(connectors.add_subcommand("list", "List the connectors of a running worker with their state"));
    connector_status_ = with_name(connectors.add_subcommand("status", "A connector's state and its tasks'"));
    describe_ = with_name(connectors.add_subcommand("describe", "A connector's config (secrets masked) and tasks"));
    create_ = add_common(connectors.add_subcommand("create", "Create a connector from a file {\"name\", \"config\"}"));
    create_->add_option("-f,--file", file_, "Connector config file")->required();
    update_ = with_name(connectors.add_subcommand("update", "Replace a connector's config (only it restarts)"));
    update_->add_option("-f,--file", file_, "Config file: {\"config\": {...}} or the config object itself")->required();
    pause_ = with_name(connectors.add_subcommand("pause", "Pause a connector: its tasks stay up but make no progress"));
    resume_ = with_name(connectors.add_subcommand("resume", "Resume a paused or stopped connector"));
    stop_ = with_name(connectors.add_subcommand("stop", "Stop a connector's tasks, keeping its config"));
    start_ = with_name(connectors.add_subcommand("start", "Start a stopped connector again (the same as resume)"));
    restart_ = with_name(connectors.add_subcommand("restart", "Restart a connector and, with --include-tasks, its tasks"));
    restart_->add_flag("--include-tasks", include_tasks_, "Restart its tasks too");
    restart_->add_flag("--only-failed", only_failed_, "Only what FAILED");
    delete_ = with_name(connectors.add_subcommand("delete", "Stop a connector and remove its config file"));
    offsets_ = with_name(connectors.add_subcommand(
        "offsets", "A connector's offsets (a sink's next offset per partition); changes need it stopped"));
    offsets_->add_option("--set", set_offsets_, "Set a partition's next offset: TOPIC:PARTITION=OFFSET (repeatable)");
    offsets_->add_option("--forget", forget_offsets_,
                         "Forget a partition's offset (it starts from the beginning): TOPIC:PARTITION (repeatable)");
    offsets_->add_flag("--reset", reset_offsets_, "Forget every offset of the connector")
        ->excludes(offsets_->get_option("--set"))
        ->excludes(offsets_->get_option("--forget"));
    apply_ = add_worker_options(connectors.add_subcommand(
        "apply", "Make the worker's connectors equal a directory's: create, update and delete, printing the plan first"));
    apply_->add_option("DIR", apply_dir_, "Directory of connector files (*.json), as a worker's connectors.d/")
        ->required();
    apply_->add_flag("--dry-run", dry_run_, "Print the plan only; change nothing");
    apply_->add_flag("--no-delete", no_delete_, "Create and update only; keep connectors that are not in DIR");
    apply_->footer(
        "Declarative, like `kubectl apply --prune`: connectors on the worker that are not in DIR are deleted "
        "(unless --no-delete); a DIR without connector files is refused. Every file is read as the worker reads "
        "connectors.d/ (${env:...} expanded from this environment to compare; the worker is sent the references "
        "as written) and checked by the worker before anything changes: one bad file, and nothing is applied. "
        "Configs are compared as GET /connectors shows them; a password the worker shows as **** cannot be "
        "compared, so a change of a password alone is no difference (`connectors update` sends it). The first "
        "refused call stops it, naming what was applied. Exit: 0 done, 2 refused files, else as other commands.");
}

std::optional<int> ClientCommands::run() const {
    for (const CLI::App* command : {status_, list_, connector_status_, describe_, create_, update_, pause_, resume_,
                                    stop_, start_, restart_, delete_, offsets_, apply_})
        if (command->parsed()) {
            try {
                return run_chosen();
            } catch (const ClientError& error) {
                std::cerr << "ingest: " << error.what() << "\n";
                return error.exit_code();
            }
        }
    return std::nullopt;
}

int ClientCommands::run_chosen() const {
    const RestClient client(find_worker(state_dir_, url_, token_file_));
    const std::string connector = "/connectors/" + path_segment(name_);
    auto print_json = [](const json::value& value) { std::cout << json::serialize(value) << "\n"; };

    if (apply_->parsed()) return apply_connectors(client, {apply_dir_, dry_run_, !no_delete_});
    if (status_->parsed() && watch_)
        return watch_status(client, {std::chrono::milliseconds(static_cast<int64_t>(watch_interval_seconds_ * 1000)),
                                     watch_count_, json_});
    if (status_->parsed() || list_->parsed()) {
        const json::value all = client.get("/connectors?expand=status");
        if (json_) {
            if (status_->parsed()) print_json(json::object{{"worker", client.get("/")}, {"connectors", all}});
            else print_json(all);
            return kClientOk;
        }
        if (status_->parsed()) {
            const json::object root = client.get("/").as_object();
            std::cout << "worker " << client.endpoint().describe() << ": ingest " << field(root, "version") << " ("
                      << field(root, "commit") << ")\n\n";
        }
        std::vector<std::vector<std::string>> rows{{"NAME", "TYPE", "STATE", "TASKS", "WORKER"}};
        for (const auto& [name, entry] : all.as_object()) {
            const auto& status = entry.as_object().at("status").as_object();
            const auto& c = status.at("connector").as_object();
            rows.push_back({std::string(name), field(status, "type"), field(c, "state"), task_summary(status),
                            field(c, "worker_id")});
        }
        if (rows.size() == 1) std::cout << "(no connectors)\n";
        else print_table(rows);
        return kClientOk;
    }
    if (connector_status_->parsed()) {
        const json::value status = client.get(connector + "/status");
        if (json_) print_json(status);
        else print_status(status.as_object());
        return kClientOk;
    }
    if (describe_->parsed()) {
        const json::value info = client.get(connector);
        if (json_) {
            print_json(info);
            return kClientOk;
        }
        const auto& object = info.as_object();
        std::cout << "connector " << field(object, "name") << " (" << field(object, "type") << ")\n";
        std::vector<std::vector<std::string>> rows{{"KEY", "VALUE"}};
        for (const auto& [key, value] : object.at("config").as_object()) rows.push_back({std::string(key), text_of(&value)});
        print_table(rows);
        return kClientOk;
    }
    if (create_->parsed()) {
        const json::value answer = client.post("/connectors", read_json_file(file_));
        if (json_) print_json(answer);
        else std::cout << "created connector " << field(answer.as_object(), "name") << "\n";
        return kClientOk;
    }
    if (update_->parsed()) {
        json::value body = read_json_file(file_);
        if (const auto* config = body.as_object().if_contains("config"); config && config->is_object()) body = *config;
        const json::value answer = client.put(connector + "/config", body);
        if (json_) print_json(answer);
        else std::cout << "updated connector " << name_ << "\n";
        return kClientOk;
    }
    const std::pair<const CLI::App*, const char*> target_states[] = {
        {pause_, "pause"}, {resume_, "resume"}, {stop_, "stop"}, {start_, "resume"}};
    for (const auto& [command, verb] : target_states)
        if (command->parsed()) {
            client.put(connector + "/" + verb);
            if (!json_) std::cout << command->get_name() << ": " << name_ << " (requested)\n";
            return kClientOk;
        }
    if (restart_->parsed()) {
        const json::value answer = client.post(connector + "/restart?includeTasks=" +
                                               (include_tasks_ ? "true" : "false") +
                                               "&onlyFailed=" + (only_failed_ ? "true" : "false"));
        if (json_) print_json(answer);
        else std::cout << "restart: " << name_ << " (requested)\n";
        return kClientOk;
    }
    if (delete_->parsed()) {
        client.del(connector);
        if (!json_) std::cout << "deleted connector " << name_ << "\n";
        return kClientOk;
    }
    if (offsets_->parsed()) {
        if (reset_offsets_) {
            const json::value answer = client.del(connector + "/offsets");
            if (json_) print_json(answer);
            else std::cout << "offsets: " << name_ << " reset\n";
            return kClientOk;
        }
        if (!set_offsets_.empty() || !forget_offsets_.empty()) {
            json::array changes;
            for (const auto& change : set_offsets_) changes.push_back(offset_change(change, true));
            for (const auto& change : forget_offsets_) changes.push_back(offset_change(change, false));
            const json::value answer = client.patch(connector + "/offsets", json::object{{"offsets", std::move(changes)}});
            if (json_) print_json(answer);
            else std::cout << "offsets: " << name_ << " altered\n";
            return kClientOk;
        }
        const json::value answer = client.get(connector + "/offsets");
        if (json_) {
            print_json(answer);
            return kClientOk;
        }
        std::vector<std::vector<std::string>> rows{{"TOPIC", "PARTITION", "NEXT OFFSET"}};
        for (const auto& entry : answer.at("offsets").as_array()) {
            const auto& partition = entry.at("partition").as_object();
            const auto& offset = entry.at("offset");
            rows.push_back({std::string(partition.at("kafka_topic").as_string()),
                            json::serialize(partition.at("kafka_partition")),
                            offset.is_object() ? json::serialize(offset.at("kafka_offset")) : "-"});
        }
        if (rows.size() == 1) std::cout << "no offsets stored for " << name_ << "\n";
        else print_table(rows);
        return kClientOk;
    }
    return kClientUsage;
}

}  // namespace ingest::cli
