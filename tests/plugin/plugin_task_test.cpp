// The runner survives plugins that fail or throw, and reports why.
#include "pipeline/plugin_task.hpp"
#include "plugin_host/plugin_library.hpp"

#include <gtest/gtest.h>

namespace {

using ingest::pipeline::PluginTask;
using ingest::plugin_host::PluginLibrary;

const std::filesystem::path kFixtures = FIXTURE_DIR;
const std::filesystem::path kBadFixtures = BAD_FIXTURE_DIR;

TEST(PluginTask, AnExceptionInStartBecomesAFatalStatusWithItsMessage) {
    PluginTask task(PluginLibrary::load(kBadFixtures / "fixture_throwing_start.so"), "c", 0, 1, {});
    auto result = task.start({{"unused", ""}});
    EXPECT_EQ(result.status, INGEST_FATAL);
    EXPECT_EQ(result.message, "start exploded on purpose");
}

TEST(PluginTask, AnExceptionEscapingACPluginDoesNotCrashTheRunner) {
    PluginTask task(PluginLibrary::load(kBadFixtures / "fixture_raw_throw.so"), "c", 0, 1, {});
    auto result = task.start({});
    EXPECT_EQ(result.status, INGEST_FATAL);
    EXPECT_NE(result.message.find("raw throw"), std::string::npos) << result.message;
}

TEST(PluginTask, TheLibraryOutlivesTheLastReferenceHeldByATask) {
    std::unique_ptr<PluginTask> task;
    {
        auto library = PluginLibrary::load(kFixtures / "fixture_recording_sink.so");
        task = std::make_unique<PluginTask>(library, "c", 0, 1, ingest::pipeline::HostServices{});
    }
    // The library pointer above is gone; the task still calls into mapped code.
    auto file = std::filesystem::temp_directory_path() / "ingest-task-test-records.txt";
    EXPECT_TRUE(task->start({{"records.file", file.string()}, {"expect", "0"}}).ok());
    EXPECT_TRUE(task->stop().ok());
    task.reset();
    std::filesystem::remove(file);
}

}  // namespace
