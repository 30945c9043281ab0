// The REST API's routes against a fake herder: paths, JSON shapes and status codes as Kafka
// Connect has them, the token, body limits, strict parsing, masking, and that a refused request
// changes nothing. Plugins come from the fixtures and the project's own plugins (sink_postgres
// has a password-typed key).
#include "control/auth.hpp"
#include "control/config_view.hpp"
#include "control/rest_server.hpp"
#include "control/router.hpp"
#include "fake_herder.hpp"
#include "log/logging.hpp"
#include "rest_test_client.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace ingest {
namespace {

using boost::json::object;
using boost::json::value;
using testing::ApiResponse;

const std::string kToken = "test-token-0123456789";

class RestRoutes : public ::testing::Test {
   protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_ / "connectors.d");
        add_connector("numbers", {{"plugin", "fixture_counting_source"}, {"topic", "numbers"},
                                  {"deliveries.file", dir_.file("deliveries")}, {"tasks.max", "2"}},
                      2);
        start();
    }

    void start(control::RestOptions options = {}) {
        server_.reset();
        options.listen = "127.0.0.1:0";
        if (options.token.empty()) options.token = kToken;
        server_ = std::make_unique<control::RestServer>(std::move(options), herder_, catalog_,
                                                        worker::ConnectorFiles(dir_ / "connectors.d"));
        client_ = std::make_unique<testing::RestTestClient>(server_->address());
    }

    // A connector known to the herder, loaded from its file in connectors.d/ as the worker does.
    void add_connector(const std::string& name, const control::ConfigValues& values, int tasks,
                       worker::State task_state = worker::State::running) {
        const auto file = dir_ / "connectors.d" / (name + ".json");
        worker::ConnectorFiles(dir_ / "connectors.d").write(name, values, file);
        auto definition = control::validate_values(name, values, catalog_, config::process_env());
        definition.config.source = file.string();
        worker::ConnectorStatus status;
        status.name = name;
        status.type = definition.config.kind == INGEST_KIND_SOURCE ? worker::ConnectorType::source
                                                                   : worker::ConnectorType::sink;
        status.state = worker::State::running;
        for (int id = 0; id < tasks; ++id) status.tasks.push_back({id, task_state, "", 0, {}});
        herder_.add(std::move(definition), std::move(status));
    }

    ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::string& token = "") {
        return client_->call(method, path, body, token);
    }
    ApiResponse authorized(const std::string& method, const std::string& path, const std::string& body = "") {
        return call(method, path, body, kToken);
    }
    std::vector<std::string> files() const {
        std::vector<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(dir_ / "connectors.d"))
            names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    object file_of(const std::string& name) const {
        return boost::json::parse(testing::read_file(dir_ / "connectors.d" / (name + ".json"))).as_object();
    }

    static void expect_error(const ApiResponse& response, int status, const std::string& part) {
        EXPECT_EQ(response.status, status) << response.text;
        auto body = response.json().as_object();
        EXPECT_EQ(body.at("error_code"), status);
        EXPECT_NE(std::string(body.at("message").as_string()).find(part), std::string::npos) << response.text;
    }

    testing::TempDir dir_{"rest-routes"};
    plugin_host::PluginCatalog catalog_ =
        plugin_host::PluginCatalog::scan({FIXTURE_DIR, PLUGIN_DIR});
    testing::FakeHerder herder_;
    std::unique_ptr<control::RestServer> server_;
    std::unique_ptr<testing::RestTestClient> client_;
};

TEST_F(RestRoutes, RootAndHealth) {
    auto root = call("GET", "/");
    EXPECT_EQ(root.status, 200);
    EXPECT_TRUE(root.json().as_object().contains("version"));
    EXPECT_TRUE(root.json().as_object().contains("commit"));
    auto health = call("GET", "/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.json().at("status"), "healthy");
    EXPECT_TRUE(health.json().as_object().contains("message"));
    expect_error(call("GET", "/metrics"), 404, "metrics");
    expect_error(call("GET", "/worker/metrics"), 404, "metrics");

    control::RestOptions starting;
    starting.starting = true;
    start(std::move(starting));
    auto early = call("GET", "/health");
    EXPECT_EQ(early.status, 503);
    EXPECT_EQ(early.json().at("status"), "starting");
    server_->started();
    EXPECT_EQ(call("GET", "/health").json().at("status"), "healthy");
    expect_error(call("GET", "/no/such/path"), 404, "/no/such/path");
}

// GET /metrics (Prometheus text) and GET /worker/metrics (JSON) serve one registry.
TEST_F(RestRoutes, MetricsComeFromTheGivenRegistryAsTextAndJson) {
    auto registry = std::make_shared<metrics::Metrics>();
    registry->sink_task("pg", 0)->records_put.Increment(7);
    control::RestOptions options;
    options.metrics = registry;
    start(std::move(options));

    auto text = call("GET", "/metrics");
    EXPECT_EQ(text.status, 200);
    EXPECT_EQ(text.text, registry->text());
    EXPECT_NE(text.text.find("ingest_sink_records_put_total{connector=\"pg\",task=\"0\"} 7\n"), std::string::npos)
        << text.text;

    auto json = call("GET", "/worker/metrics");
    EXPECT_EQ(json.status, 200);
    const auto body = json.json();
    EXPECT_EQ(body, registry->json());
    const auto& put = body.at("families").at("ingest_sink_records_put_total");
    EXPECT_EQ(put.at("type"), "counter");
    EXPECT_EQ(put.at("series").as_array()[0],
              (boost::json::object{{"labels", {{"connector", "pg"}, {"task", "0"}}}, {"value", 7}}));
}

// A known path with a method it does not take: Kafka Connect's 405, an Allow header, no token
// needed, nothing changed. An unknown path stays 404.
TEST_F(RestRoutes, AKnownPathCalledWithAnotherMethodIs405) {
    httplib::Client raw(server_->address());
    const auto expect_405 = [&](const std::string& method, const std::string& path, const std::string& allow) {
        httplib::Request request;
        request.method = method;
        request.path = path;
        auto result = raw.send(request);
        ASSERT_TRUE(result) << method << " " << path;
        EXPECT_EQ(result->status, 405) << method << " " << path << ": " << result->body;
        EXPECT_EQ(boost::json::parse(result->body),
                  boost::json::parse(R"({"error_code":405,"message":"HTTP 405 Method Not Allowed"})"))
            << method << " " << path;
        EXPECT_EQ(result->get_header_value("Allow"), allow) << method << " " << path;
    };
    const auto calls_before = herder_.calls();
    expect_405("POST", "/connectors/numbers/status", "GET, HEAD");
    expect_405("DELETE", "/connectors", "GET, HEAD, POST");
    expect_405("PATCH", "/connectors/numbers/pause", "PUT");
    expect_405("GET", "/connectors/numbers/restart", "POST");
    expect_405("POST", "/connectors/numbers", "GET, HEAD, DELETE");
    expect_405("PUT", "/", "GET, HEAD");
    expect_405("OPTIONS", "/connectors/numbers/config", "GET, HEAD, PUT, PATCH");
    expect_405("DELETE", "/admin/loggers/root", "GET, HEAD, PUT");
    expect_405("POST", "/connectors/nobody/tasks/3/status", "GET, HEAD");  // the path's shape is known
    EXPECT_EQ(herder_.calls(), calls_before);
    EXPECT_EQ(call("GET", "/connectors/numbers/status").status, 200);  // the routes themselves still answer

    expect_error(call("POST", "/no/such/path"), 404, "POST /no/such/path");
    expect_error(call("GET", "/connectors/numbers/nothing"), 404, "/connectors/numbers/nothing");
    expect_error(call("DELETE", "/connectors/numbers/status/"), 404, "status/");
}

TEST(RestRouter, NoRouteCanBeAddedAfterFinish) {
    httplib::Server server;
    control::Router router(server, control::AuthPolicy{false, false, ""});
    router.get("/a", "A.", [](const httplib::Request&, httplib::Response&) {});
    router.finish();
    EXPECT_THROW(router.put("/a", "A.", [](const httplib::Request&, httplib::Response&) {}), std::logic_error);
}

TEST_F(RestRoutes, ListsConnectorsPlainAndExpanded) {
    EXPECT_EQ(call("GET", "/connectors").json(), (boost::json::array{"numbers"}));

    auto expanded = call("GET", "/connectors?expand=status&expand=info").json().as_object();
    const auto& numbers = expanded.at("numbers").as_object();
    EXPECT_EQ(numbers.at("status").at("connector").at("state"), "RUNNING");
    EXPECT_EQ(numbers.at("status").at("connector").at("worker_id"), "fake-worker");
    EXPECT_EQ(numbers.at("info").at("type"), "source");
    EXPECT_EQ(numbers.at("info").at("config").at("plugin"), "fixture_counting_source");

    auto only_status = call("GET", "/connectors?expand=status").json().as_object();
    EXPECT_TRUE(only_status.at("numbers").as_object().contains("status"));
    EXPECT_FALSE(only_status.at("numbers").as_object().contains("info"));
    expect_error(call("GET", "/connectors?expand=everything"), 400, "expand");
}

TEST_F(RestRoutes, ShowsOneConnectorItsConfigStatusAndTasks) {
    auto info = call("GET", "/connectors/numbers");
    ASSERT_EQ(info.status, 200);
    EXPECT_EQ(info.json().at("name"), "numbers");
    EXPECT_EQ(info.json().at("type"), "source");
    EXPECT_EQ(info.json().at("config").at("tasks.max"), "2");
    EXPECT_EQ(info.json().at("tasks"), (boost::json::array{object{{"connector", "numbers"}, {"task", 0}},
                                                           object{{"connector", "numbers"}, {"task", 1}}}));

    auto config = call("GET", "/connectors/numbers/config");
    EXPECT_EQ(config.status, 200);
    EXPECT_EQ(config.json().at("topic"), "numbers");

    auto status = call("GET", "/connectors/numbers/status").json();
    EXPECT_EQ(status.at("name"), "numbers");
    EXPECT_EQ(status.at("type"), "source");
    EXPECT_EQ(status.at("tasks").as_array().size(), 2u);
    EXPECT_EQ(status.at("tasks").at(1).at("state"), "RUNNING");

    auto tasks = call("GET", "/connectors/numbers/tasks").json().as_array();
    ASSERT_EQ(tasks.size(), 2u);
    EXPECT_EQ(tasks[1].at("id"), (object{{"connector", "numbers"}, {"task", 1}}));
    EXPECT_EQ(tasks[1].at("config").at("topic"), "numbers");

    EXPECT_EQ(call("GET", "/connectors/numbers/topics").json(),
              (object{{"numbers", object{{"topics", boost::json::array{"numbers"}}}}}));

    auto task = call("GET", "/connectors/numbers/tasks/1/status");
    EXPECT_EQ(task.status, 200);
    EXPECT_EQ(task.json().at("id"), 1);
    EXPECT_EQ(task.json().at("state"), "RUNNING");
    EXPECT_EQ(task.json().at("worker_id"), "fake-worker");
    expect_error(call("GET", "/connectors/numbers/tasks/7/status"), 404, "numbers/7");
}

TEST_F(RestRoutes, UnknownConnectorIs404Everywhere) {
    for (const auto& path : {"/connectors/nope", "/connectors/nope/config", "/connectors/nope/status", "/connectors/nope/topics",
                             "/connectors/nope/tasks", "/connectors/nope/tasks/0/status"})
        expect_error(call("GET", path), 404, "nope");
    for (const auto& operation : {"pause", "resume", "stop"})
        expect_error(authorized("PUT", std::string("/connectors/nope/") + operation), 404, "nope");
    expect_error(authorized("POST", "/connectors/nope/restart"), 404, "nope");
    expect_error(authorized("DELETE", "/connectors/nope"), 404, "nope");
    expect_error(authorized("PATCH", "/connectors/nope/config", R"({"count": "1"})"), 404, "nope");
    EXPECT_TRUE(herder_.calls().empty());
}

TEST_F(RestRoutes, PauseResumeStopAndRestartReachTheHerder) {
    EXPECT_EQ(authorized("PUT", "/connectors/numbers/pause").status, 202);
    EXPECT_EQ(authorized("PUT", "/connectors/numbers/resume").status, 202);
    EXPECT_EQ(authorized("PUT", "/connectors/numbers/stop").status, 202);
    EXPECT_EQ(authorized("POST", "/connectors/numbers/restart").status, 204);
    auto with_tasks = authorized("POST", "/connectors/numbers/restart?includeTasks=true&onlyFailed=false");
    EXPECT_EQ(with_tasks.status, 202);
    EXPECT_EQ(with_tasks.json().at("tasks").at(0).at("state"), "RESTARTING");
    EXPECT_EQ(authorized("POST", "/connectors/numbers/tasks/1/restart").status, 204);
    expect_error(authorized("POST", "/connectors/numbers/tasks/5/restart"), 404, "numbers/5");
    expect_error(authorized("POST", "/connectors/numbers/restart?includeTasks=yes"), 400, "includeTasks");
    EXPECT_EQ(herder_.calls(), (std::vector<std::string>{"pause numbers", "resume numbers", "stop numbers",
                                                         "restart numbers", "restart numbers tasks",
                                                         "restart_task numbers 1", "restart_task numbers 5"}));
}

TEST_F(RestRoutes, MutatingCallsNeedTheToken) {
    const std::string create = R"({"name": "more", "config": {"plugin": "fixture_counting_source", "topic": "t",
                                   "deliveries.file": "d"}})";
    expect_error(call("PUT", "/connectors/numbers/pause"), 401, "token");
    expect_error(call("PUT", "/connectors/numbers/pause", "", "wrong-token"), 401, "token");
    expect_error(call("POST", "/connectors", create), 401, "token");
    expect_error(call("DELETE", "/connectors/numbers"), 401, "token");
    expect_error(call("PUT", "/connectors/numbers/config", R"({"plugin": "x"})"), 401, "token");
    EXPECT_TRUE(herder_.calls().empty());
    EXPECT_EQ(files(), (std::vector<std::string>{"numbers.json"}));

    // HTTP Basic with the token as the password (curl -u any:<token>).
    auto basic = client_->call_with("PUT", "/connectors/numbers/pause", "",
                                    {httplib::make_basic_authentication_header("admin", kToken)});
    EXPECT_EQ(basic.status, 202);
    auto wrong_basic = client_->call_with("PUT", "/connectors/numbers/pause", "",
                                          {httplib::make_basic_authentication_header("admin", "nope")});
    EXPECT_EQ(wrong_basic.status, 401);
    EXPECT_EQ(herder_.calls(), (std::vector<std::string>{"pause numbers"}));
}

TEST_F(RestRoutes, LoopbackAuthCanBeTurnedOffExplicitly) {
    control::RestOptions options;
    options.auth = false;
    options.token = "unused";
    start(std::move(options));
    EXPECT_EQ(call("PUT", "/connectors/numbers/pause").status, 202);
}

TEST_F(RestRoutes, CreateWritesTheValidatedFile) {
    auto created = authorized("POST", "/connectors", R"({"name": "more", "config": {
        "connector.class": "fixture_counting_source", "topic": "t", "count": 5, "deliveries.file": "d"}})");
    ASSERT_EQ(created.status, 201) << created.text;
    EXPECT_EQ(created.json().at("name"), "more");
    EXPECT_EQ(created.json().at("type"), "source");
    EXPECT_EQ(created.json().at("config").at("plugin"), "fixture_counting_source");
    auto file = file_of("more");
    EXPECT_EQ(file.at("name"), "more");
    EXPECT_EQ(file.at("config"), (object{{"plugin", "fixture_counting_source"}, {"topic", "t"}, {"count", "5"},
                                         {"deliveries.file", "d"}}));
    // The watcher applies it; the API never goes around that path.
    EXPECT_TRUE(herder_.calls().empty());

    expect_error(authorized("POST", "/connectors", R"({"name": "numbers", "config": {"plugin": "fixture_counting_source",
                 "topic": "t", "deliveries.file": "d"}})"),
                 409, "already exists");
    expect_error(authorized("POST", "/connectors", R"({"name": "more", "config": {"plugin": "fixture_counting_source",
                 "topic": "t", "deliveries.file": "d"}})"),
                 409, "already exists");
}

TEST_F(RestRoutes, BadConfigsAreRefusedWithEveryProblemAndWriteNothing) {
    auto response = authorized("POST", "/connectors", R"({"name": "bad", "config": {
        "plugin": "fixture_counting_source", "count": "many", "colour": "red"}})");
    expect_error(response, 400, "count");
    const std::string message(response.json().at("message").as_string());
    for (const auto* part : {"colour", "topic", "deliveries.file"}) EXPECT_NE(message.find(part), std::string::npos) << part;

    expect_error(authorized("POST", "/connectors", R"({"name": "bad", "config": {"plugin": "no_such_plugin"}})"), 400,
                 "no_such_plugin");
    expect_error(authorized("POST", "/connectors", R"({"name": "../evil", "config": {"plugin": "x"}})"), 400, "name");
    expect_error(authorized("POST", "/connectors", R"({"name": "bad", "config": {"plugin": "x"}, "extra": 1})"), 400,
                 "extra");
    expect_error(authorized("POST", "/connectors", R"({"name": "bad", "config": {"topic": {"nested": 1}}})"), 400,
                 "topic");
    expect_error(authorized("POST", "/connectors", R"({"name": "bad", "config": {"plugin": "x",}})"), 400, "line 1");
    expect_error(authorized("POST", "/connectors", "{\"name\": \"bad\"\n  \"config\": {}}"), 400, "line 2");
    expect_error(authorized("POST", "/connectors", R"({"name": "bad", "config": {}} trailing)"), 400, "not valid JSON");
    expect_error(authorized("POST", "/connectors", ""), 400, "empty");
    expect_error(authorized("POST", "/connectors", "[1, 2]"), 400, "JSON object");
    expect_error(authorized("PUT", "/connectors/numbers/config", R"({"plugin": "fixture_counting_source", "name": "other"})"),
                 400, "name");

    const std::string big = R"({"name": "big", "config": {"plugin": "fixture_counting_source", "topic": ")" +
                            std::string(2 << 20, 'x') + R"("}})";
    expect_error(authorized("POST", "/connectors", big), 413, "limit");

    EXPECT_EQ(files(), (std::vector<std::string>{"numbers.json"}));
    EXPECT_TRUE(herder_.calls().empty());
}

TEST_F(RestRoutes, InitialStateIsRecordedBeforeTheFileIsWritten) {
    const std::string paused = R"({"name": "later", "initial_state": "PAUSED",
        "config": {"plugin": "fixture_counting_source", "topic": "t", "deliveries.file": "d"}})";
    expect_error(authorized("POST", "/connectors", paused), 400, "initial_state");
    expect_error(authorized("POST", "/connectors", R"({"name": "x", "initial_state": "ASLEEP", "config": {}})"), 400,
                 "RUNNING, PAUSED, STOPPED");

    std::vector<std::string> recorded;
    control::RestOptions options;
    options.record_initial_state = [&](const std::string& name, worker::TargetState state) {
        recorded.push_back(name + " " + pipeline::target_state_name(state) + (files().size() == 1 ? " before" : " after"));
    };
    start(std::move(options));
    EXPECT_EQ(authorized("POST", "/connectors", paused).status, 201);
    EXPECT_EQ(recorded.size(), 1u);
    EXPECT_NE(recorded.at(0).find("later"), std::string::npos);
    EXPECT_NE(recorded.at(0).find("before"), std::string::npos);
}

TEST_F(RestRoutes, UpdatePatchAndDeleteTheConnectorsOwnFile) {
    // A connector loaded from a file of another name keeps that file.
    const auto original = dir_ / "connectors.d" / "numbers.json";
    const auto renamed = dir_ / "connectors.d" / "10-numbers.json";
    std::filesystem::rename(original, renamed);
    auto definition = *herder_.definition("numbers");
    definition.config.source = renamed.string();
    herder_.add(definition, *herder_.status("numbers"));

    auto replaced = authorized("PUT", "/connectors/numbers/config", R"({"plugin": "fixture_counting_source",
        "topic": "numbers", "deliveries.file": "d", "count": "7", "name": "numbers"})");
    EXPECT_EQ(replaced.status, 200) << replaced.text;
    EXPECT_EQ(files(), (std::vector<std::string>{"10-numbers.json"}));
    EXPECT_EQ(boost::json::parse(testing::read_file(renamed)).at("config").at("count"), "7");

    auto patched = authorized("PATCH", "/connectors/numbers/config", R"({"count": 9, "tasks.max": null})");
    EXPECT_EQ(patched.status, 200) << patched.text;
    auto config = boost::json::parse(testing::read_file(renamed)).at("config").as_object();
    EXPECT_EQ(config.at("count"), "9");
    EXPECT_EQ(config.at("deliveries.file"), "d");
    EXPECT_FALSE(config.contains("tasks.max"));
    expect_error(authorized("PATCH", "/connectors/numbers/config", R"({"count": "lots"})"), 400, "count");
    EXPECT_EQ(boost::json::parse(testing::read_file(renamed)).at("config").at("count"), "9");

    auto created = authorized("PUT", "/connectors/fresh/config", R"({"plugin": "fixture_counting_source",
        "topic": "t", "deliveries.file": "d"})");
    EXPECT_EQ(created.status, 201) << created.text;

    EXPECT_EQ(authorized("DELETE", "/connectors/numbers").status, 204);
    EXPECT_EQ(authorized("DELETE", "/connectors/fresh").status, 204);  // written, not yet applied
    EXPECT_TRUE(files().empty());
    EXPECT_TRUE(herder_.calls().empty());
}

TEST_F(RestRoutes, PasswordsAreMaskedInEveryResponse) {
    log::add_secret("s3cret-dsn");
    add_connector("db", {{"plugin", "sink_postgres"}, {"topics", "numbers"}, {"connection.dsn", "host=localhost password=s3cret-dsn"}}, 1,
                  worker::State::failed);
    auto status = *herder_.status("db");
    status.tasks[0].trace = "cannot connect with s3cret-dsn";
    herder_.add(*herder_.definition("db"), status);

    for (const auto& path : {"/connectors/db", "/connectors/db/config", "/connectors/db/tasks", "/connectors/db/status",
                             "/connectors/db/tasks/0/status", "/connectors?expand=info&expand=status"}) {
        auto response = call("GET", path);
        EXPECT_EQ(response.status, 200) << path;
        EXPECT_EQ(response.text.find("s3cret"), std::string::npos) << path << ": " << response.text;
    }
    EXPECT_EQ(call("GET", "/connectors/db/config").json().at("connection.dsn"), "****");

    auto written = authorized("PUT", "/connectors/db/config",
                              R"({"plugin": "sink_postgres", "topics": "numbers", "connection.dsn": "host=h password=other-s3cret"})");
    EXPECT_EQ(written.status, 200) << written.text;
    EXPECT_EQ(written.text.find("s3cret"), std::string::npos) << written.text;

    auto refused = authorized("POST", "/connectors", R"({"name": "db2", "config": {"plugin": "sink_postgres",
        "topics": "numbers", "connection.dsn": "s3cret-unparsable"}})");
    EXPECT_EQ(refused.status, 400) << refused.text;
    EXPECT_EQ(refused.text.find("s3cret"), std::string::npos) << refused.text;

    auto validated = authorized("PUT", "/connector-plugins/sink_postgres/config/validate",
                                R"({"topics": "numbers", "connection.dsn": "host=h password=other-s3cret"})");
    EXPECT_EQ(validated.status, 200);
    EXPECT_EQ(validated.text.find("s3cret"), std::string::npos) << validated.text;
}

TEST_F(RestRoutes, ListsPluginsAndTheirKeys) {
    auto plugins = call("GET", "/connector-plugins").json().as_array();
    bool found = false;
    for (const auto& plugin : plugins)
        if (plugin.at("class") == "fixture_counting_source") {
            found = true;
            EXPECT_EQ(plugin.at("type"), "source");
            EXPECT_TRUE(plugin.at("version").is_string());
        }
    EXPECT_TRUE(found) << plugins;

    auto keys = call("GET", "/connector-plugins/fixture_counting_source/config").json().as_array();
    std::map<std::string, object> by_name;
    for (const auto& key : keys) by_name[std::string(key.at("name").as_string())] = key.as_object();
    ASSERT_TRUE(by_name.count("count"));
    EXPECT_EQ(by_name["count"].at("type"), "LONG");
    EXPECT_EQ(by_name["count"].at("default_value"), "100");
    EXPECT_EQ(by_name["count"].at("group"), "Plugin");
    EXPECT_EQ(by_name["deliveries.file"].at("required"), true);
    EXPECT_EQ(by_name["topic"].at("group"), "Source");
    EXPECT_EQ(by_name["tasks.max"].at("group"), "Common");
    expect_error(call("GET", "/connector-plugins/no_such_plugin/config"), 404, "no_such_plugin");
}

TEST_F(RestRoutes, ValidateReportsEveryKeysErrorsInKafkaConnectsShape) {
    auto response = authorized("PUT", "/connector-plugins/fixture_counting_source/config/validate",
                               R"({"connector.class": "fixture_counting_source", "count": "-3", "colour": "red"})");
    ASSERT_EQ(response.status, 200) << response.text;
    auto result = response.json().as_object();
    EXPECT_EQ(result.at("name"), "fixture_counting_source");
    EXPECT_EQ(result.at("groups"), (boost::json::array{"Common", "Source", "Plugin"}));
    std::map<std::string, object> values;
    for (const auto& config : result.at("configs").as_array()) {
        EXPECT_TRUE(config.as_object().contains("definition"));
        values[std::string(config.at("value").at("name").as_string())] = config.at("value").as_object();
    }
    for (const auto* key : {"count", "colour", "topic", "deliveries.file"})
        EXPECT_FALSE(values.at(key).at("errors").as_array().empty()) << key;
    EXPECT_TRUE(values.at("tasks.max").at("errors").as_array().empty());
    EXPECT_EQ(values.at("count").at("value"), "-3");
    EXPECT_EQ(values.at("tasks.max").at("value"), "1");
    EXPECT_EQ(values.at("count").at("visible"), true);
    EXPECT_GE(result.at("error_count").as_int64(), 4);

    auto valid = authorized("PUT", "/connector-plugins/fixture_counting_source/config/validate",
                            R"({"topic": "t", "deliveries.file": "d"})");
    EXPECT_EQ(valid.json().at("error_count"), 0) << valid.text;

    expect_error(authorized("PUT", "/connector-plugins/fixture_counting_source/config/validate",
                            R"({"connector.class": "fixture_recording_sink"})"),
                 400, "fixture_recording_sink");
    expect_error(authorized("PUT", "/connector-plugins/no_such_plugin/config/validate", "{}"), 404, "no_such_plugin");
}

// KIP-875: the shapes, STOPPED required for changes, strict bodies that change nothing when refused.
TEST_F(RestRoutes, OffsetsInKafkaConnectsShape) {
    add_connector("recorder", {{"plugin", "fixture_recording_sink"}, {"topics", "numbers"},
                               {"records.file", dir_.file("records")}},
                  1);
    herder_.set_offsets("recorder", {{"numbers", 0, 12}, {"numbers", 1, 30}});
    auto listed = call("GET", "/connectors/recorder/offsets");
    ASSERT_EQ(listed.status, 200) << listed.text;
    EXPECT_EQ(listed.json(), boost::json::parse(R"({"offsets": [
        {"partition": {"kafka_topic": "numbers", "kafka_partition": 0}, "offset": {"kafka_offset": 12}},
        {"partition": {"kafka_topic": "numbers", "kafka_partition": 1}, "offset": {"kafka_offset": 30}}]})"));
    expect_error(call("GET", "/connectors/nobody/offsets"), 404, "nobody");

    const std::string change = R"({"offsets": [
        {"partition": {"kafka_topic": "numbers", "kafka_partition": 0}, "offset": {"kafka_offset": 5}},
        {"partition": {"kafka_topic": "numbers", "kafka_partition": 1}, "offset": null}]})";
    expect_error(call("PATCH", "/connectors/recorder/offsets", change), 401, "token");
    expect_error(authorized("PATCH", "/connectors/recorder/offsets", change), 400, "STOPPED");
    expect_error(authorized("DELETE", "/connectors/recorder/offsets"), 400, "/connectors/recorder/stop");

    ASSERT_EQ(authorized("PUT", "/connectors/recorder/stop").status, 202);
    const auto before = herder_.calls().size();
    for (const auto& [body, part] : std::vector<std::pair<std::string, std::string>>{
             {R"({"offsets": []})", "non-empty array"},
             {R"({"offsets": [{"partition": {"kafka_topic": "numbers", "kafka_partition": 0}}]})", "offsets[0].offset is missing"},
             {R"({"offsets": [{"partition": {"kafka_topic": "numbers", "kafka_partition": 0}, "offset": {"kafka_offset": -1}}]})", "offsets[0].offset.kafka_offset"},
             {R"({"offsets": [{"partition": {"kafka_topic": "numbers", "kafka_partition": "x"}, "offset": null}]})", "offsets[0].partition.kafka_partition"},
             {R"({"offsets": [{"partition": {"kafka_topic": "numbers", "kafka_partition": 0, "colour": 1}, "offset": null}]})", "unknown field \"colour\""},
             {R"({"offsets": [], "more": 1})", "unknown field \"more\""},
             {R"({"offsets": [)", "line 1"}}) {
        expect_error(authorized("PATCH", "/connectors/recorder/offsets", body), 400, part);
    }
    EXPECT_EQ(herder_.calls().size(), before) << "a refused body reached the herder";

    auto altered = authorized("PATCH", "/connectors/recorder/offsets", change);
    ASSERT_EQ(altered.status, 200) << altered.text;
    EXPECT_EQ(altered.json().at("message"), "The offsets for this connector have been altered successfully");
    EXPECT_EQ(herder_.calls().back(), "alter_offsets recorder numbers-0=5 numbers-1=null");
    auto reset = authorized("DELETE", "/connectors/recorder/offsets");
    ASSERT_EQ(reset.status, 200) << reset.text;
    EXPECT_EQ(reset.json().at("message"), "The offsets for this connector have been reset successfully");
    EXPECT_EQ(herder_.calls().back(), "reset_offsets recorder");
}

TEST_F(RestRoutes, LogLevelsAtRunTime) {
    const auto root_before = log::level_of("rest");
    auto all = call("GET", "/admin/loggers").json().as_object();
    EXPECT_TRUE(all.contains("root"));
    expect_error(call("PUT", "/admin/loggers/worker", R"({"level": "DEBUG"})"), 401, "token");
    auto changed = authorized("PUT", "/admin/loggers/worker", R"({"level": "DEBUG"})");
    EXPECT_EQ(changed.status, 200) << changed.text;
    EXPECT_EQ(changed.json(), (boost::json::array{"worker"}));
    EXPECT_EQ(call("GET", "/admin/loggers/worker").json().at("level"), "DEBUG");
    EXPECT_EQ(call("GET", "/admin/loggers").json().at("worker").at("level"), "DEBUG");
    expect_error(authorized("PUT", "/admin/loggers/worker", R"({"level": "LOUD"})"), 400, "LOUD");
    auto reset = authorized("PUT", "/admin/loggers/root", std::string(R"({"level": ")") + log::level_name(root_before) + "\"}");
    EXPECT_EQ(reset.status, 200);
    EXPECT_EQ(reset.json(), (boost::json::array{"root", "worker"}));
    EXPECT_FALSE(call("GET", "/admin/loggers").json().as_object().contains("worker"));
    EXPECT_EQ(log::level_of("worker"), root_before);
}

TEST(RestServerOptions, RefusesUnsafeListenersAndNamesABusyAddress) {
    testing::FakeHerder herder;
    plugin_host::PluginCatalog catalog;
    worker::ConnectorFiles files("/nonexistent");
    control::RestOptions remote;
    remote.listen = "0.0.0.0:0";
    remote.token = kToken;
    EXPECT_THROW(control::RestServer(remote, herder, catalog, files), control::RestError);
    remote.allow_remote = true;
    remote.auth = false;
    EXPECT_THROW(control::RestServer(remote, herder, catalog, files), control::RestError);
    control::RestOptions no_token;
    no_token.listen = "127.0.0.1:0";
    EXPECT_THROW(control::RestServer(no_token, herder, catalog, files), control::RestError);
    for (const auto* bad : {"8083", "host:", ":80", "h:99999", "[::1]8083", "h:12x"})
        EXPECT_THROW(control::parse_listen_address(bad), control::RestError) << bad;
    EXPECT_EQ(control::parse_listen_address("[::1]:0").host, "::1");
    EXPECT_TRUE(control::is_loopback("127.0.0.2"));
    EXPECT_TRUE(control::is_loopback("::1"));
    EXPECT_FALSE(control::is_loopback("10.0.0.1"));

    control::RestOptions first;
    first.listen = "127.0.0.1:0";
    first.token = kToken;
    control::RestServer running(first, herder, catalog, files);
    control::RestOptions second = first;
    second.listen = running.address();
    try {
        control::RestServer clash(second, herder, catalog, files);
        ADD_FAILURE() << "a second server bound " << running.address();
    } catch (const control::RestError& error) {
        EXPECT_NE(std::string(error.what()).find(running.address()), std::string::npos) << error.what();
    }
}

TEST(RestToken, CreatedOnceWithMode0600) {
    testing::TempDir dir("rest-token");
    const auto file = dir / "state" / "token";
    const auto token = control::load_or_create_token(file);
    EXPECT_EQ(token.size(), 64u);
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600);
    EXPECT_EQ(control::load_or_create_token(file), token);
    EXPECT_NE(control::load_or_create_token(dir / "other"), token);

    EXPECT_TRUE(control::authorization_carries("Bearer " + token, token));
    EXPECT_TRUE(control::authorization_carries("bearer " + token, token));
    EXPECT_FALSE(control::authorization_carries("Bearer " + token + "x", token));
    EXPECT_FALSE(control::authorization_carries(token, token));
    EXPECT_FALSE(control::authorization_carries("", token));
}

}  // namespace
}  // namespace ingest
