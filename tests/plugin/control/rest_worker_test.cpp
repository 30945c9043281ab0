// A worker on the embedded broker, with the REST API beside its herder as `ingest run` has it,
// driven over HTTP: pause → resume → stop → resume → restart → status, each step waited for with
// a deadline on what the API reports (never a fixed sleep).
#include "control/rest_server.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "rest_test_client.hpp"
#include "temp_dir.hpp"
#include "worker/worker.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

namespace ingest {
namespace {

using namespace std::chrono_literals;

const std::string kToken = "worker-test-token";

class RestService final : public worker::WorkerService {
   public:
    RestService(control::RestOptions options, worker::Herder& herder, const plugin_host::PluginCatalog& catalog,
                worker::ConnectorFiles files)
        : server(std::move(options), herder, catalog, std::move(files)) {}
    control::RestServer server;
};

// A request exactly as `curl -X PUT url` sends it: no body, no Content-Length.
int bare_request(const std::string& address, const std::string& method, const std::string& path) {
    const auto colon = address.rfind(':');
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &to.sin_addr);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        if (fd >= 0) ::close(fd);
        return -1;
    }
    const std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + address +
                                "\r\nAuthorization: Bearer " + kToken + "\r\nConnection: close\r\n\r\n";
    ::send(fd, request.data(), request.size(), 0);
    char reply[64] = {};
    const auto got = ::recv(fd, reply, sizeof reply - 1, 0);
    ::close(fd);
    return got > 12 ? std::stoi(std::string(reply + 9, 3)) : -1;
}

class RestWorker : public ::testing::Test {
   protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_ / "connectors");
        std::ofstream(dir_ / "connectors" / "source.json")
            << R"({"name": "source", "config": {"plugin": "fixture_paced_source", "topic": "numbers",
                  "topic.partitions": 2, "rate": 200, "tasks.max": 2}})";
        std::ofstream(dir_ / "connectors" / "sink.json")
            << R"({"name": "sink", "config": {"plugin": "fixture_recording_sink", "topics": "numbers",
                  "topic.partitions": 2, "batch.max.ms": 50, "records.file": ")"
            << (dir_ / "records").string() << R"("}})";
        options_.connectors_dir = dir_ / "connectors";
        options_.state_dir = dir_ / "state";
        options_.plugin_path = {FIXTURE_DIR};
        options_.start_service = [this](worker::Herder& herder, const plugin_host::PluginCatalog& catalog)
            -> std::unique_ptr<worker::WorkerService> {
            control::RestOptions rest;
            rest.listen = "127.0.0.1:0";
            rest.token = kToken;
            auto service = std::make_unique<RestService>(rest, herder, catalog, worker::ConnectorFiles(dir_ / "connectors"));
            {
                std::lock_guard lock(mutex_);
                address_ = service->server.address();
            }
            ready_.notify_all();
            return service;
        };
        worker_ = std::thread([this] { exit_code_ = worker::run_worker(options_, stop_); });
        std::unique_lock lock(mutex_);
        ASSERT_TRUE(ready_.wait_for(lock, 30s, [this] { return !address_.empty(); })) << "the REST API never started";
        client_ = std::make_unique<testing::RestTestClient>(address_);
    }
    void TearDown() override {
        stop_ = true;
        worker::notify_worker();
        if (worker_.joinable()) worker_.join();
        EXPECT_EQ(exit_code_, 0);
    }

    boost::json::value status(const std::string& name) {
        auto response = client_->call("GET", "/connectors/" + name + "/status");
        EXPECT_EQ(response.status, 200) << response.text;
        return response.json();
    }
    // Waits up to 30 s for `condition` over the connector's status; fails with the last status.
    void wait_for(const std::string& name, const std::function<bool(const boost::json::value&)>& condition,
                  const std::string& what) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        boost::json::value last;
        while (std::chrono::steady_clock::now() < deadline) {
            // Until run_worker applied the connector, the API does not know it yet (404).
            auto response = client_->call("GET", "/connectors/" + name + "/status");
            last = response.status == 200 ? response.json() : boost::json::value(response.text);
            if (response.status == 200 && condition(last)) return;
            std::this_thread::sleep_for(20ms);  // polling interval of the wait, not a wait itself
        }
        FAIL() << "timed out waiting for " << name << " to be " << what << "; last status " << last;
    }
    void wait_for_state(const std::string& name, const std::string& state, size_t tasks) {
        wait_for(name,
                 [&](const boost::json::value& s) {
                     const auto& all = s.at("tasks").as_array();
                     if (s.at("connector").at("state") != state.c_str() || all.size() != tasks) return false;
                     for (const auto& task : all)
                         if (task.at("state") != state.c_str()) return false;
                     return true;
                 },
                 state + " with " + std::to_string(tasks) + " tasks");
    }
    size_t records() const {
        std::error_code ignored;
        auto size = std::filesystem::file_size(dir_ / "records", ignored);
        return ignored ? 0 : size;
    }
    void wait_for_progress() {
        const auto before = records();
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (records() == before && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
        EXPECT_GT(records(), before) << "no records arrived in the sink";
    }
    testing::ApiResponse call(const std::string& method, const std::string& path) {
        return client_->call(method, path, "", kToken);
    }

    testing::TempDir dir_{"rest-worker"};
    worker::WorkerOptions options_;
    std::atomic<bool> stop_{false};
    std::thread worker_;
    int exit_code_ = -1;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::string address_;
    std::unique_ptr<testing::RestTestClient> client_;
};

TEST_F(RestWorker, PauseResumeStopResumeRestartOverHttp) {
    wait_for_state("source", "RUNNING", 2);
    wait_for_state("sink", "RUNNING", 1);
    wait_for_progress();
    auto listed = client_->call("GET", "/connectors").json();
    EXPECT_EQ(listed, (boost::json::array{"sink", "source"}));

    EXPECT_EQ(call("PUT", "/connectors/source/pause").status, 202);
    wait_for_state("source", "PAUSED", 2);
    EXPECT_EQ(client_->call("PUT", "/connectors/source/resume").status, 401);  // no token: nothing changes
    EXPECT_EQ(status("source").at("connector").at("state"), "PAUSED");

    EXPECT_EQ(bare_request(address_, "PUT", "/connectors/source/resume"), 202);  // as curl -X PUT sends it
    wait_for_state("source", "RUNNING", 2);
    wait_for_progress();

    EXPECT_EQ(call("PUT", "/connectors/sink/stop").status, 202);
    wait_for_state("sink", "STOPPED", 0);
    EXPECT_EQ(client_->call("GET", "/connectors/sink/config").json().at("plugin"), "fixture_recording_sink");
    EXPECT_EQ(call("PUT", "/connectors/sink/resume").status, 202);
    wait_for_state("sink", "RUNNING", 1);
    wait_for_progress();

    auto restarted = call("POST", "/connectors/source/restart?includeTasks=true");
    EXPECT_EQ(restarted.status, 202) << restarted.text;
    wait_for(
        "source",
        [](const boost::json::value& s) {
            for (const auto& task : s.at("tasks").as_array())
                if (task.at("state") != "RUNNING" || task.at("restarts").as_int64() < 1) return false;
            return s.at("tasks").as_array().size() == 2;
        },
        "RUNNING again with every task restarted once");
    EXPECT_EQ(call("POST", "/connectors/sink/tasks/0/restart").status, 204);
    wait_for("sink",
             [](const boost::json::value& s) {
                 const auto& tasks = s.at("tasks").as_array();
                 return tasks.size() == 1 && tasks[0].at("state") == "RUNNING" && tasks[0].at("restarts").as_int64() >= 1;
             },
             "RUNNING with task 0 restarted");
    auto task = client_->call("GET", "/connectors/sink/tasks/0/status");
    EXPECT_EQ(task.status, 200);
    EXPECT_EQ(task.json().at("state"), "RUNNING");
    EXPECT_EQ(client_->call("GET", "/connectors/nope/status").status, 404);
    wait_for_progress();
}

}  // namespace
}  // namespace ingest
