// The loader refuses what is not a usable plugin, naming the file and the reason.
#include "plugin_host/plugin_catalog.hpp"
#include "plugin_host/plugin_library.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using ingest::plugin_host::PluginCatalog;
using ingest::plugin_host::PluginLibrary;
using ingest::plugin_host::PluginLoadError;

const std::filesystem::path kFixtures = FIXTURE_DIR;
const std::filesystem::path kBadFixtures = BAD_FIXTURE_DIR;

std::string refusal(const std::filesystem::path& file) {
    try {
        PluginLibrary::load(file);
    } catch (const PluginLoadError& error) {
        EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos) << "message names the file";
        return error.reason();
    }
    ADD_FAILURE() << file << " was accepted";
    return {};
}

TEST(PluginLoader, LoadsAWellFormedPlugin) {
    auto library = PluginLibrary::load(kFixtures / "fixture_counting_source.so");
    EXPECT_EQ(library->name(), "fixture_counting_source");
    EXPECT_EQ(library->descriptor().kind, INGEST_KIND_SOURCE);
    EXPECT_EQ(library->config_keys().size(), 5u);
}

TEST(PluginLoader, RefusesAnotherMajorVersionWithTheReason) {
    auto reason = refusal(kBadFixtures / "fixture_wrong_abi.so");
    EXPECT_NE(reason.find("built for plugin ABI major version " + std::to_string(INGEST_ABI_MAJOR + 1) +
                          ", this runner speaks major version " + std::to_string(INGEST_ABI_MAJOR)),
              std::string::npos)
        << reason;
    EXPECT_NE(reason.find("rebuild it against this SDK"), std::string::npos) << reason;
}

TEST(PluginLoader, LoadsAPluginBuiltAgainstAbi_1_0) {
    // Built from a frozen copy of the 1.0 headers: tables without struct_size, no abi_minor.
    auto library = PluginLibrary::load(kFixtures / "fixture_abi_1_0_source.so");
    EXPECT_EQ(library->abi_version(), "1.0");
    EXPECT_EQ(library->descriptor().kind, INGEST_KIND_SOURCE);
    ASSERT_NE(library->descriptor().source, nullptr);
    EXPECT_NE(library->descriptor().source->poll, nullptr);
    EXPECT_NE(library->descriptor().source->record_delivered, nullptr);
    EXPECT_NE(library->descriptor().source->commit, nullptr);
    EXPECT_EQ(library->descriptor().validate, nullptr);  // 1.0 had no validate hook
    ASSERT_EQ(library->config_keys().size(), 5u);
    EXPECT_STREQ(library->config_keys()[0].name, "count");
    EXPECT_STREQ(library->config_keys()[4].name, "deliveries.file");
    EXPECT_EQ(library->config_keys()[4].default_value, nullptr);
}

TEST(PluginLoader, AcceptsTablesSmallerThanTheHosts) {
    // Plain C, its descriptor cut short of a field this runner knows.
    auto library = PluginLibrary::load(kFixtures / "fixture_small_structs_sink.so");
    EXPECT_EQ(library->abi_version(), "1.1");
    EXPECT_EQ(library->descriptor().validate, nullptr);  // beyond its struct_size: read as absent
    ASSERT_NE(library->descriptor().sink, nullptr);
    EXPECT_NE(library->descriptor().sink->put, nullptr);
    ASSERT_EQ(library->config_keys().size(), 1u);
    EXPECT_STREQ(library->config_keys()[0].name, "records.file");
}

TEST(PluginLoader, RefusesASharedObjectWithoutEntryPoint) {
    auto reason = refusal(kBadFixtures / "fixture_no_entry.so");
    EXPECT_NE(reason.find("no entry point"), std::string::npos) << reason;
}

TEST(PluginLoader, RefusesAFileThatIsNotASharedObject) {
    auto file = std::filesystem::temp_directory_path() / "ingest-not-a-plugin.so";
    std::ofstream(file) << "just some text\n";
    auto reason = refusal(file);  // by the structural check, before dlopen sees it
    EXPECT_NE(reason.find("not an ELF file"), std::string::npos) << reason;
    std::filesystem::remove(file);
}

TEST(PluginLoader, RefusesAMissingFile) {
    EXPECT_EQ(refusal(kFixtures / "no_such_plugin.so"), "no such file");
}

TEST(PluginLoader, RefusesAPluginDeclaringARunnerKey) {
    auto reason = refusal(kBadFixtures / "fixture_reserved_key.so");
    EXPECT_NE(reason.find("'topics' is reserved for the runner"), std::string::npos) << reason;
}

TEST(PluginCatalog, KeepsGoodPluginsAndRemembersRefusedFiles) {
    auto catalog = PluginCatalog::scan({kFixtures, kBadFixtures});
    EXPECT_TRUE(catalog.plugins().count("fixture_counting_source"));
    EXPECT_TRUE(catalog.plugins().count("fixture_recording_sink"));
    EXPECT_TRUE(catalog.plugins().count("fixture_throwing_start"));
    EXPECT_EQ(catalog.refused().size(), 3u);  // wrong ABI, no entry point, reserved key
}

TEST(PluginCatalog, AMissingPluginErrorListsWhatIsAvailable) {
    auto catalog = PluginCatalog::scan({kFixtures});
    try {
        catalog.find("sink_nowhere");
        FAIL() << "found a plugin that does not exist";
    } catch (const std::runtime_error& error) {
        std::string message = error.what();
        EXPECT_NE(message.find("no plugin named 'sink_nowhere'"), std::string::npos) << message;
        EXPECT_NE(message.find("fixture_recording_sink"), std::string::npos) << message;
    }
}

}  // namespace
