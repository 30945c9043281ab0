// Hot reload of connectors.d/ on the embedded broker with fixture plugins: an added, a changed, an
// invalid and a removed file, through inotify and through the polling fallback, and the REST
// path (ConnectorFiles writes, the watcher applies). A herder that counts the operations it
// forwards shows which connectors were (not) touched.
#include "config/connector_config.hpp"
#include "kafka/mock_cluster.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "worker/config_watcher.hpp"
#include "worker/connector_files.hpp"
#include "worker/standalone_herder.hpp"

#include "herder_wait.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>

namespace {

using namespace std::chrono_literals;
using ingest::worker::ConnectorDefinition;
using ingest::worker::ConnectorStatus;
using ingest::worker::Herder;
using ingest::worker::State;
using ingest::worker::TargetState;

const std::filesystem::path kFixtures = FIXTURE_DIR;

// Forwards to a StandaloneHerder and counts apply() and remove() per connector.
class CountingHerder final : public Herder {
   public:
    explicit CountingHerder(Herder& inner) : inner_(inner) {}
    int applied(const std::string& name) const {
        std::lock_guard lock(mutex_);
        return applied_.count(name) ? applied_.at(name) : 0;
    }
    int removed(const std::string& name) const {
        std::lock_guard lock(mutex_);
        return removed_.count(name) ? removed_.at(name) : 0;
    }

    bool apply(ConnectorDefinition definition, TargetState initial) override {
        count(applied_, definition.config.name);
        return inner_.apply(std::move(definition), initial);
    }
    bool remove(const std::string& name) override {
        count(removed_, name);
        return inner_.remove(name);
    }
    void pause(const std::string& name) override { inner_.pause(name); }
    void resume(const std::string& name) override { inner_.resume(name); }
    void stop(const std::string& name) override { inner_.stop(name); }
    ingest::worker::RestartOutcome restart(const std::string& name, bool tasks, bool failed) override {
        return inner_.restart(name, tasks, failed);
    }
    void restart_task(const std::string& name, int task) override { inner_.restart_task(name, task); }
    std::vector<ingest::worker::ConnectorOffset> offsets(const std::string& name) override { return inner_.offsets(name); }
    void alter_offsets(const std::string& name, const std::vector<ingest::worker::ConnectorOffset>& changes) override {
        inner_.alter_offsets(name, changes);
    }
    void reset_offsets(const std::string& name) override { inner_.reset_offsets(name); }
    void set_config_error(const std::string& name, const std::string& error) override {
        inner_.set_config_error(name, error);
    }
    std::optional<ConnectorStatus> status(const std::string& name) const override { return inner_.status(name); }
    std::vector<ConnectorStatus> statuses() const override { return inner_.statuses(); }
    std::vector<std::string> connectors() const override { return inner_.connectors(); }
    std::optional<ConnectorDefinition> definition(const std::string& name) const override {
        return inner_.definition(name);
    }
    std::optional<TargetState> target_state(const std::string& name) const override { return inner_.target_state(name); }
    const std::string& worker_id() const override { return inner_.worker_id(); }
    uint64_t version() const override { return inner_.version(); }
    uint64_t wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const override {
        return inner_.wait_for_change(seen, timeout);
    }
    void notify() override { inner_.notify(); }
    void shutdown() override { inner_.shutdown(); }

   private:
    void count(std::map<std::string, int>& counts, const std::string& name) {
        std::lock_guard lock(mutex_);
        ++counts[name];
    }
    Herder& inner_;
    mutable std::mutex mutex_;
    std::map<std::string, int> applied_, removed_;
};

class ConfigWatcherTest : public ::testing::Test {
   protected:
    void SetUp() override {
        cluster_.create_topic("numbers", 3);
        std::filesystem::create_directories(connectors_);
        herder_ = std::make_unique<ingest::worker::StandaloneHerder>(ingest::worker::HerderOptions{
            cluster_.bootstrap(), "test-worker", [&](const ingest::config::ConnectorConfig& config) {
                for (const auto& topic : config.topics()) cluster_.create_topic(topic, 3);
                if (config.kind == INGEST_KIND_SINK) cluster_.create_topic(config.dead_letter_topic(), 1);
            }});
        counting_ = std::make_unique<CountingHerder>(*herder_);
    }
    void TearDown() override {
        watcher_.reset();
        herder_.reset();
    }

    void watch(bool polling = false) {
        ingest::worker::ConfigWatcherOptions options{connectors_, 50ms, 100ms, polling};
        watcher_ = std::make_unique<ingest::worker::ConfigWatcher>(
            *counting_,
            [&](const ingest::config::ConnectorSpec& spec) {
                auto library = catalog_.find(ingest::config::plugin_name_of(spec));
                return ConnectorDefinition{ingest::config::validate_connector(spec, library->descriptor()), library};
            },
            options);
    }

    // Written in place: the watcher reads it once it is closed.
    void write(const std::string& file, const std::string& text) { std::ofstream(connectors_ / file) << text; }
    std::string source_json(int rate) const {
        return R"({"name": "source", "config": {"plugin": "fixture_paced_source", "topic": "numbers",
                  "topic.partitions": 3, "rate": )" + std::to_string(rate) + "}}";
    }
    std::string recorder_json(const std::string& name, const std::string& file, const std::string& extra = "") const {
        return R"({"name": ")" + name + R"(", "config": {"plugin": "fixture_recording_sink", "topics": "numbers",
                  "batch.max.ms": 50, "records.file": ")" + (dir_ / file).string() + "\"" + extra + "}}";
    }

    size_t lines(const std::string& file) const { return ingest::testing::read_lines(dir_ / file).size(); }
    std::optional<ConnectorStatus> status(const std::string& name) const { return herder_->status(name); }
    bool running(const std::string& name) const {
        auto s = status(name);
        return s && !s->tasks.empty() &&
               std::all_of(s->tasks.begin(), s->tasks.end(), [](const auto& t) { return t.state == State::running; });
    }
    // Waits until the watcher looked at the directory again (after an event it was sent).
    bool another_pass(uint64_t seen) {
        return eventually([&] { return watcher_->passes() > seen; });
    }
    bool eventually(const std::function<bool()>& condition, std::chrono::seconds deadline = 30s) {
        return ingest::testing::eventually(*herder_, condition, deadline);
    }

    ingest::testing::TempDir dir_{"ingest-watcher"};
    const std::filesystem::path connectors_ = dir_ / "connectors.d";
    ingest::kafka::MockCluster cluster_;
    ingest::plugin_host::PluginCatalog catalog_ = ingest::plugin_host::PluginCatalog::scan({kFixtures});
    std::unique_ptr<ingest::worker::StandaloneHerder> herder_;
    std::unique_ptr<CountingHerder> counting_;
    std::unique_ptr<ingest::worker::ConfigWatcher> watcher_;
};

TEST_F(ConfigWatcherTest, AddedChangedInvalidAndRemovedFilesStartRestartKeepAndStopOnlyTheirConnector) {
    watch();
    EXPECT_FALSE(watcher_->polling());

    // Added: each file starts its connector.
    write("source.json", source_json(2000));
    write("a.json", recorder_json("a", "a.txt"));
    write("b.json", recorder_json("b", "b.txt"));
    ASSERT_TRUE(eventually([&] { return lines("a.txt") > 0 && lines("b.txt") > 0; }));
    EXPECT_TRUE(running("source") && running("a") && running("b"));

    // Changed: only b restarts with its new version; a is not touched.
    write("b.json", recorder_json("b", "b2.txt"));
    ASSERT_TRUE(eventually([&] { return lines("b2.txt") > 0; }));
    EXPECT_EQ(counting_->applied("b"), 2);
    EXPECT_EQ(counting_->applied("a"), 1);
    EXPECT_EQ(counting_->applied("source"), 1);
    EXPECT_EQ(status("a")->tasks.at(0).restarts, 0);
    const size_t a_before = lines("a.txt");
    ASSERT_TRUE(eventually([&] { return lines("a.txt") >= a_before + 500; })) << "a stopped making progress";

    // The same config written again (other layout): nothing restarts.
    auto pass = watcher_->passes();
    write("a.json", "\n\n" + recorder_json("a", "a.txt") + "\n");
    ASSERT_TRUE(another_pass(pass));
    EXPECT_EQ(counting_->applied("a"), 1);

    // Invalid: every problem reported on b, which keeps running its previous version.
    pass = watcher_->passes();
    write("b.json", recorder_json("b", "b3.txt", R"(, "no.such.key": "1", "tasks.max": 0)"));
    ASSERT_TRUE(eventually([&] { return !status("b")->config_error.empty(); }));
    const auto error = status("b")->config_error;
    EXPECT_NE(error.find("b.json"), std::string::npos) << error;
    EXPECT_NE(error.find("no.such.key"), std::string::npos) << error;
    EXPECT_NE(error.find("tasks.max"), std::string::npos) << error;
    EXPECT_EQ(watcher_->problems().count("b.json"), 1u);
    EXPECT_EQ(counting_->applied("b"), 2);
    EXPECT_TRUE(running("b"));
    const size_t b_before = lines("b2.txt");
    ASSERT_TRUE(eventually([&] { return lines("b2.txt") >= b_before + 500; })) << "the old version stopped";
    EXPECT_EQ(lines("b3.txt"), 0u);
    auto json = ingest::worker::to_json(*status("b"), "w");
    EXPECT_NE(json.at("connector").at("config_error").as_string().find("no.such.key"), boost::json::string::npos);

    // Malformed JSON (as if half written): reported the same way.
    write("b.json", R"({"name": "b", "config": {"plugin": )");
    ASSERT_TRUE(eventually([&] { return status("b")->config_error.find("not valid JSON") != std::string::npos; }));
    EXPECT_TRUE(running("b"));

    // Fixed: applied, the error cleared.
    write("b.json", recorder_json("b", "b3.txt"));
    ASSERT_TRUE(eventually([&] { return lines("b3.txt") > 0; }));
    EXPECT_TRUE(status("b")->config_error.empty());
    EXPECT_TRUE(watcher_->problems().empty());

    // A second file with b's name: reported, not applied; b untouched.
    write("b-copy.json", recorder_json("b", "copy.txt"));
    ASSERT_TRUE(eventually([&] { return watcher_->problems().count("b-copy.json") == 1; }));
    EXPECT_NE(watcher_->problems().at("b-copy.json").find("already used by"), std::string::npos);
    EXPECT_EQ(counting_->applied("b"), 3);
    std::filesystem::remove(connectors_ / "b-copy.json");
    ASSERT_TRUE(eventually([&] { return watcher_->problems().empty(); }));

    // Temporary files never start anything.
    write("c.json.tmp", recorder_json("c", "c.txt"));
    write("c.json.swp", recorder_json("c", "c.txt"));
    write("d.json", recorder_json("d", "d.txt"));
    ASSERT_TRUE(eventually([&] { return running("d"); }));
    EXPECT_FALSE(status("c"));

    // Removed: a stops and is forgotten; the others run on.
    std::filesystem::remove(connectors_ / "a.json");
    ASSERT_TRUE(eventually([&] { return !status("a"); }));
    EXPECT_EQ(counting_->removed("a"), 1);
    EXPECT_TRUE(running("b") && running("source") && running("d"));
    const size_t b3_before = lines("b3.txt");
    ASSERT_TRUE(eventually([&] { return lines("b3.txt") >= b3_before + 500; }));
}

// The clients are built when the connector starts: a changed *.override.* key takes a restart, as
// a changed plugin key does, and the same override written again takes none.
TEST_F(ConfigWatcherTest, AChangedClientOverrideRestartsItsConnector) {
    watch();
    write("source.json", source_json(2000));
    write("a.json", recorder_json("a", "a.txt", R"(, "consumer.override.client.id": "first")"));
    ASSERT_TRUE(eventually([&] { return lines("a.txt") > 0; }));
    EXPECT_EQ(counting_->applied("a"), 1);

    auto pass = watcher_->passes();
    write("a.json", "\n" + recorder_json("a", "a.txt", R"(, "consumer.override.client.id": "first")"));
    ASSERT_TRUE(another_pass(pass));
    EXPECT_EQ(counting_->applied("a"), 1);

    write("a.json", recorder_json("a", "a.txt", R"(, "consumer.override.client.id": "second")"));
    ASSERT_TRUE(eventually([&] { return counting_->applied("a") == 2 && running("a"); }));
    EXPECT_EQ(herder_->definition("a")->config.client_overrides.consumer.at("client.id"), "second");
}

TEST_F(ConfigWatcherTest, ARenamedFileKeepsItsConnectorRunning) {
    write("a.json", recorder_json("a", "a.txt"));
    watch();
    ASSERT_TRUE(eventually([&] { return running("a"); }));
    std::filesystem::rename(connectors_ / "a.json", connectors_ / "renamed.json");
    std::filesystem::rename(connectors_ / "renamed.json", connectors_ / "a-again.json");
    auto pass = watcher_->passes();
    ASSERT_TRUE(another_pass(pass));
    ASSERT_TRUE(eventually([&] { return watcher_->passes() > pass; }));
    EXPECT_TRUE(status("a"));
    EXPECT_EQ(counting_->removed("a"), 0);
    EXPECT_EQ(counting_->applied("a"), 1);
}

// What `ingest run` does at start: the connectors are applied from the directory, then watched;
// the watcher adopts them without applying them again.
TEST_F(ConfigWatcherTest, ConnectorsLoadedAtStartUpAreAdoptedNotRestarted) {
    write("a.json", recorder_json("a", "a.txt"));
    auto spec = ingest::config::read_connector_file(connectors_ / "a.json", ingest::config::process_env());
    auto library = catalog_.find("fixture_recording_sink");
    counting_->apply({ingest::config::validate_connector(spec, library->descriptor()), library},
                     TargetState::started);
    watch();
    ASSERT_TRUE(another_pass(0));
    EXPECT_EQ(counting_->applied("a"), 1);
    // Adopted: removing the file removes the connector.
    std::filesystem::remove(connectors_ / "a.json");
    ASSERT_TRUE(eventually([&] { return !status("a"); }));
}

// The REST API's path: ConnectorFiles writes and removes files atomically; the watcher applies.
TEST_F(ConfigWatcherTest, ConnectorFilesWritesAndRemovesReachTheHerderThroughTheWatcher) {
    watch();
    ingest::worker::ConnectorFiles files(connectors_);
    const std::map<std::string, std::string> config{{"plugin", "fixture_recording_sink"},
                                                    {"topics", "numbers"},
                                                    {"records.file", (dir_ / "r.txt").string()}};
    write("source.json", source_json(2000));
    files.write("r", config);
    ASSERT_TRUE(eventually([&] { return running("r") && lines("r.txt") > 0; }));
    EXPECT_EQ(herder_->definition("r")->config.source, files.path_for("r").string());

    auto changed = config;
    changed["records.file"] = (dir_ / "r2.txt").string();
    files.write("r", changed);
    ASSERT_TRUE(eventually([&] { return lines("r2.txt") > 0; }));
    EXPECT_EQ(counting_->applied("r"), 2);

    EXPECT_TRUE(files.remove(files.path_for("r")));
    ASSERT_TRUE(eventually([&] { return !status("r"); }));
    EXPECT_TRUE(running("source"));
}

TEST_F(ConfigWatcherTest, PollingFindsAddedChangedAndRemovedFilesWhereInotifyIsUnavailable) {
    watch(true);
    EXPECT_TRUE(watcher_->polling());
    write("source.json", source_json(2000));
    write("a.json", recorder_json("a", "a.txt"));
    ASSERT_TRUE(eventually([&] { return running("a") && lines("a.txt") > 0; }));
    write("a.json", recorder_json("a", "a2.txt"));
    ASSERT_TRUE(eventually([&] { return lines("a2.txt") > 0; }));
    std::filesystem::remove(connectors_ / "a.json");
    ASSERT_TRUE(eventually([&] { return !status("a"); }));
    EXPECT_TRUE(running("source"));
}

}  // namespace
