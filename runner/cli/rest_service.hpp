// `ingest run`'s REST API: its options, and the service run_worker starts beside the herder
// (control/ is wired in here, so worker/ never depends on it).
#pragma once

#include "worker/worker.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace ingest::cli {

struct RestSettings {
    std::string listen = "127.0.0.1:8083";  // "off": no REST API
    std::string auth = "token";             // or "none" (loopback only)
    std::string token_file;                 // empty: <state-dir>/token
    bool allow_remote = false;
};

void add_rest_options(CLI::App& run, RestSettings& settings);

// What WorkerOptions::start_service should be: binds the API (a busy address is an error naming
// it), creates the token file if needed, and publishes the address in `<state-dir>/rest`. Empty
// when the API is off.
decltype(worker::WorkerOptions::start_service) rest_service(const RestSettings& settings,
                                                            const std::filesystem::path& state_dir,
                                                            const std::filesystem::path& connectors_dir);

}  // namespace ingest::cli
