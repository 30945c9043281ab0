#include "cli/rest_service.hpp"

#include "control/auth.hpp"
#include "control/rest_server.hpp"
#include "metrics/metrics.hpp"
#include "worker/state_file.hpp"

namespace ingest::cli {
namespace {

class RestService final : public worker::WorkerService {
   public:
    RestService(control::RestOptions options, worker::Herder& herder, const plugin_host::PluginCatalog& catalog,
                worker::ConnectorFiles files, std::filesystem::path address_file)
        : server_(std::move(options), herder, catalog, std::move(files)), address_file_(std::move(address_file)) {
        worker::write_state_file(address_file_, server_.address() + "\n");
    }
    void started() override { server_.started(); }
    ~RestService() override {
        server_.stop();
        std::error_code ignored;
        std::filesystem::remove(address_file_, ignored);  // nobody listens there any more
    }

   private:
    control::RestServer server_;
    std::filesystem::path address_file_;
};

}  // namespace

void add_rest_options(CLI::App& run, RestSettings& settings) {
    run.add_option("--rest-listen", settings.listen,
                   "HOST:PORT of the REST API (port 0: any free port; the address is written to <state-dir>/rest); "
                   "off: no REST API")
        ->envname("INGEST_REST_LISTEN")
        ->capture_default_str();
    run.add_option("--rest-auth", settings.auth,
                   "token: mutating calls need the token (Bearer, or Basic with the token as password); "
                   "none: no token (loopback listeners only)")
        ->check(CLI::IsMember({"token", "none"}))
        ->capture_default_str();
    run.add_option("--rest-token-file", settings.token_file,
                   "File holding the API token, created (mode 0600) if absent (default: <state-dir>/token)");
    run.add_flag("--rest-allow-remote", settings.allow_remote,
                 "Allow a REST listen address that is not loopback (every call then needs the token)");
}

decltype(worker::WorkerOptions::start_service) rest_service(const RestSettings& settings,
                                                            const std::filesystem::path& state_dir,
                                                            const std::filesystem::path& connectors_dir) {
    if (settings.listen == "off") return {};
    return [settings, state_dir, connectors_dir](worker::Herder& herder, const plugin_host::PluginCatalog& catalog)
               -> std::unique_ptr<worker::WorkerService> {
        control::RestOptions options;
        options.listen = settings.listen;
        options.allow_remote = settings.allow_remote;
        options.auth = settings.auth != "none";
        options.starting = true;
        options.metrics = metrics::process_metrics();
        options.record_initial_state = [&herder](const std::string& name, worker::TargetState state) {
            if (!herder.remember_target_state(name, state))
                throw std::runtime_error("connector " + name + ": its initial state could not be kept");
        };
        if (options.auth)
            options.token = control::load_or_create_token(settings.token_file.empty() ? state_dir / "token"
                                                                                      : std::filesystem::path(settings.token_file));
        return std::make_unique<RestService>(std::move(options), herder, catalog, worker::ConnectorFiles(connectors_dir),
                                             state_dir / "rest");
    };
}

}  // namespace ingest::cli
