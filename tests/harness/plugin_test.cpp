// Plugin: the runner's loader and connector validation, as a plugin's own tests meet them.
#include <ingest/harness.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace {

using ingest::harness::Config;
using ingest::harness::ConfigError;
using ingest::harness::ConfigProblem;
using ingest::harness::LoadError;
using ingest::harness::Plugin;

// The LoadError's message for `file`, or a test failure when it loads.
std::string refusal(const std::filesystem::path& file) {
    try {
        Plugin::load(file);
    } catch (const LoadError& error) {
        return error.what();
    }
    ADD_FAILURE() << file << " was accepted";
    return {};
}

// The message of the problem about `key`, or "" when there is none.
std::string problem_of(const std::vector<ConfigProblem>& problems, const std::string& key) {
    auto it = std::find_if(problems.begin(), problems.end(), [&](const ConfigProblem& p) { return p.key == key; });
    return it == problems.end() ? "" : it->message;
}

TEST(HarnessPlugin, LoadsAPluginAndDescribesIt) {
    const Plugin plugin = Plugin::load(RECORDING_SINK);
    EXPECT_EQ(plugin.name(), "fixture_recording_sink");
    EXPECT_EQ(plugin.kind(), INGEST_KIND_SINK);
    EXPECT_EQ(plugin.abi_version(), std::to_string(INGEST_ABI_MAJOR) + "." + std::to_string(INGEST_ABI_MINOR));
    EXPECT_EQ(plugin.file(), std::filesystem::path(RECORDING_SINK));
    ASSERT_NE(plugin.descriptor().sink, nullptr);
    EXPECT_EQ(plugin.descriptor().config_key_count, 3u);
}

TEST(HarnessPlugin, RefusesABadPluginWithTheRunnersMessage) {
    const std::string wrong_abi = refusal(WRONG_ABI_PLUGIN);
    EXPECT_NE(wrong_abi.find(WRONG_ABI_PLUGIN), std::string::npos) << "names the file: " << wrong_abi;
    EXPECT_NE(wrong_abi.find("built for plugin ABI major version " + std::to_string(INGEST_ABI_MAJOR + 1) +
                             ", this runner speaks major version " + std::to_string(INGEST_ABI_MAJOR)),
              std::string::npos)
        << wrong_abi;
    EXPECT_NE(wrong_abi.find("rebuild it against this SDK"), std::string::npos) << wrong_abi;

    const std::string no_entry = refusal(NO_ENTRY_PLUGIN);
    EXPECT_NE(no_entry.find(NO_ENTRY_PLUGIN), std::string::npos) << no_entry;
    EXPECT_NE(no_entry.find("no entry point"), std::string::npos) << no_entry;

    EXPECT_NE(refusal("/nonexistent/fixture.so").find("no such file"), std::string::npos);
}

TEST(HarnessPlugin, CheckConfigReportsEveryProblemAtOnce) {
    const Plugin plugin = Plugin::load(RECORDING_SINK);
    // records.file (required) missing, two bad values, an unknown key and a bad runner key.
    const auto problems =
        plugin.check_config({{"expect", "-1"}, {"expect.at.most", "many"}, {"colour", "blue"}, {"tasks.max", "x"}});
    EXPECT_EQ(problems.size(), 5u);
    EXPECT_NE(problem_of(problems, "records.file"), "");
    EXPECT_NE(problem_of(problems, "expect"), "");
    EXPECT_NE(problem_of(problems, "expect.at.most"), "");
    EXPECT_NE(problem_of(problems, "colour"), "");
    EXPECT_NE(problem_of(problems, "tasks.max"), "");

    // The plugin's validate hook, which sees a config that passed every key's own checks.
    const auto rule = plugin.check_config({{"records.file", "/dev/null"}, {"expect", "5"}, {"expect.at.most", "3"}});
    ASSERT_EQ(rule.size(), 1u);
    EXPECT_EQ(rule[0].key, "expect");
    EXPECT_EQ(rule[0].message, "is 5, more than expect.at.most (3)");

    EXPECT_TRUE(plugin.check_config({{"records.file", "/dev/null"}}).empty());
}

TEST(HarnessPlugin, ResolveConfigFillsDefaultsAndKeepsOnlyThePluginsKeys) {
    const Plugin plugin = Plugin::load(RECORDING_SINK);
    EXPECT_EQ(plugin.resolve_config({{"records.file", "/dev/null"}, {"topics", "a,b"}, {"tasks.max", "2"}}),
              (Config{{"records.file", "/dev/null"}, {"expect", "0"}, {"expect.at.most", "0"}}));
    try {
        plugin.resolve_config({{"expect", "-1"}, {"colour", "blue"}});
        FAIL() << "a bad config resolved";
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.problems().size(), 3u);
        const std::string what = error.what();
        EXPECT_NE(what.find("records.file"), std::string::npos) << what;
        EXPECT_NE(what.find("expect"), std::string::npos) << what;
        EXPECT_NE(what.find("colour"), std::string::npos) << what;
    }
}

TEST(HarnessPlugin, ATaskIsRefusedABadConfigAndAPluginOfTheOtherKind) {
    const Plugin sink = Plugin::load(RECORDING_SINK);
    EXPECT_THROW(ingest::harness::SinkTask(sink, {{"expect", "-1"}}), ConfigError);
    EXPECT_THROW(ingest::harness::SourceTask(sink, {{"records.file", "/dev/null"}}), std::invalid_argument);
    const Plugin source = Plugin::load(COUNTING_SOURCE);
    EXPECT_THROW(ingest::harness::SinkTask(source, {{"deliveries.file", "/dev/null"}}), std::invalid_argument);
}

TEST(HarnessPlugin, APluginStaysLoadedWhileATaskOfItLives) {
    std::optional<ingest::harness::SinkTask> task;
    {
        const Plugin plugin = Plugin::load(RECORDING_SINK);
        task.emplace(plugin, Config{{"records.file", "/dev/null"}});
    }
    EXPECT_TRUE(task->start().ok());
    EXPECT_EQ(task->plugin().name(), "fixture_recording_sink");
    EXPECT_TRUE(task->put({ingest::harness::record("k", "v")}).ok());
}

}  // namespace
