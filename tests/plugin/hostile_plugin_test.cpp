// Files on the plugin path that would crash, end or hang a process that loads them: the structural
// check and the probing child refuse each, naming the file and the reason, and this process (the
// test, standing in for the runner) survives every one. The catalog loads into this process only
// what is asked for by name, and never a name two files declare.
#include "plugin_host/elf_check.hpp"
#include "plugin_host/plugin_catalog.hpp"
#include "plugin_host/plugin_probe.hpp"

#include <gtest/gtest.h>

#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using ingest::plugin_host::check_elf_structure;
using ingest::plugin_host::PluginCatalog;
using ingest::plugin_host::PluginLoadError;
using ingest::plugin_host::probe_plugin;
using ingest::plugin_host::ProbeOptions;

const fs::path kFixtures = FIXTURE_DIR;
const fs::path kHostile = HOSTILE_FIXTURE_DIR;
const fs::path kGoodPlugin = kFixtures / "fixture_counting_source.so";

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

// Whether this process has `file` mapped (loaded).
bool mapped_here(const fs::path& file) {
    return read_file("/proc/self/maps").find(fs::canonical(file).string()) != std::string::npos;
}

// The refusal of `file` by the probe: its reason, after checking the message names the file.
std::string probe_refusal(const fs::path& file, const ProbeOptions& options = {}) {
    try {
        probe_plugin(file, options);
    } catch (const PluginLoadError& error) {
        EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos) << "names the file: " << error.what();
        return error.reason();
    }
    ADD_FAILURE() << file << " was accepted";
    return {};
}

class HostilePluginTest : public ::testing::Test {
   protected:
    void SetUp() override {
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() / ("ingest-hostile-" + std::to_string(::getpid()) + "-" + test->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // A copy of the good plugin cut to `size` bytes.
    fs::path truncated_copy(size_t size, const std::string& name = "truncated.so") {
        auto file = dir_ / name;
        write_file(file, read_file(kGoodPlugin).substr(0, size));
        return file;
    }

    fs::path dir_;
};

TEST_F(HostilePluginTest, TheStructuralCheckAcceptsARealPlugin) {
    EXPECT_EQ(check_elf_structure(kGoodPlugin), std::nullopt);
    for (const auto& entry : fs::directory_iterator(kFixtures)) {
        if (entry.path().extension() != ".so") continue;
        EXPECT_EQ(check_elf_structure(entry.path()), std::nullopt) << entry.path();
    }
}

TEST_F(HostilePluginTest, TheStructuralCheckRefusesEmptyTextAndTruncatedFiles) {
    write_file(dir_ / "empty.so", "");
    EXPECT_NE(check_elf_structure(dir_ / "empty.so").value_or("").find("empty file (0 bytes)"), std::string::npos);
    write_file(dir_ / "text.so", "#!/bin/sh\necho this is not a library\n");
    EXPECT_NE(check_elf_structure(dir_ / "text.so").value_or("").find("not an ELF file"), std::string::npos);

    const size_t full = fs::file_size(kGoodPlugin);
    // Cut anywhere: inside the ELF header, the program headers, the segments, the section headers.
    for (size_t size : {size_t{3}, size_t{20}, sizeof(ElfW(Ehdr)) - 1, sizeof(ElfW(Ehdr)) + 8, size_t{1000}, full / 3,
                        full / 2, full - 4096, full - 65, full - 1}) {
        auto reason = check_elf_structure(truncated_copy(size));
        ASSERT_TRUE(reason) << "a copy cut to " << size << " of " << full << " bytes passed";
        EXPECT_TRUE(reason->find("truncated") != std::string::npos || reason->find("not an ELF file") != std::string::npos)
            << size << ": " << *reason;
    }
}

TEST_F(HostilePluginTest, TheStructuralCheckRefusesAnotherClassOrMachine) {
    std::string bytes = read_file(kGoodPlugin);
    std::string other_class = bytes;
    other_class[EI_CLASS] = sizeof(void*) == 8 ? ELFCLASS32 : ELFCLASS64;
    write_file(dir_ / "class.so", other_class);
    EXPECT_NE(check_elf_structure(dir_ / "class.so").value_or("").find("-bit code; this runner is"), std::string::npos);

    std::string other_machine = bytes;
    ElfW(Ehdr) header;
    std::memcpy(&header, other_machine.data(), sizeof header);
    header.e_machine = header.e_machine == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
    std::memcpy(other_machine.data(), &header, sizeof header);
    write_file(dir_ / "machine.so", other_machine);
    auto reason = check_elf_structure(dir_ / "machine.so").value_or("");
    EXPECT_NE(reason.find("built for "), std::string::npos) << reason;
    EXPECT_NE(reason.find("this runner runs on"), std::string::npos) << reason;

    fs::create_directory(dir_ / "directory.so");
    EXPECT_EQ(check_elf_structure(dir_ / "directory.so").value_or(""), "not a regular file");
}

TEST_F(HostilePluginTest, TheProbeDescribesAGoodPluginWithoutLoadingItHere) {
    auto description = probe_plugin(kGoodPlugin);
    EXPECT_EQ(description.name, "fixture_counting_source");
    EXPECT_EQ(description.kind, INGEST_KIND_SOURCE);
    EXPECT_EQ(description.version, "1.0.0");
    EXPECT_EQ(description.config_key_count, 5u);
    EXPECT_EQ(description.abi_version, std::to_string(INGEST_ABI_MAJOR) + "." + std::to_string(INGEST_ABI_MINOR));
    EXPECT_FALSE(mapped_here(kGoodPlugin));
}

TEST_F(HostilePluginTest, TheProbeRefusesLoadTimeExitCrashAndHang) {
    auto reason = probe_refusal(kHostile / "fixture_exit_at_load.so");
    EXPECT_NE(reason.find("loading it ended the probing process with exit status 3"), std::string::npos) << reason;
    EXPECT_NE(reason.find("called exit()"), std::string::npos) << reason;

    reason = probe_refusal(kHostile / "fixture_segv_at_load.so");
    EXPECT_NE(reason.find("loading it killed the probing process with signal 11 (SIGSEGV"), std::string::npos) << reason;

    reason = probe_refusal(kHostile / "fixture_segv_at_unload.so");
    EXPECT_NE(reason.find("unloading it (dlclose) killed the probing process with signal 11 (SIGSEGV"), std::string::npos)
        << reason;

    const auto started = std::chrono::steady_clock::now();
    reason = probe_refusal(kHostile / "fixture_hang_at_load.so", ProbeOptions{std::chrono::milliseconds(300)});
    EXPECT_NE(reason.find("did not finish within 0.3 s"), std::string::npos) << reason;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << "the deadline held";

    // The pipe closes early (the library closed every descriptor) but the child hangs on: the
    // deadline holds for its exit too.
    reason = probe_refusal(kHostile / "fixture_close_and_hang_at_load.so", ProbeOptions{std::chrono::milliseconds(300)});
    EXPECT_NE(reason.find("did not finish within 0.3 s"), std::string::npos) << reason;
}

TEST_F(HostilePluginTest, TheProbeRefusesBrokenFilesBeforeForking) {
    write_file(dir_ / "empty.so", "");
    EXPECT_NE(probe_refusal(dir_ / "empty.so").find("empty file"), std::string::npos);
    EXPECT_NE(probe_refusal(truncated_copy(fs::file_size(kGoodPlugin) / 2)).find("truncated"), std::string::npos);
    EXPECT_EQ(probe_refusal(dir_ / "missing.so"), "no such file");
}

TEST_F(HostilePluginTest, AScanKeepsTheGoodPluginsAndNamesEveryBadFile) {
    fs::copy_file(kGoodPlugin, dir_ / "fixture_counting_source.so");
    fs::copy_file(kFixtures / "fixture_recording_sink.so", dir_ / "fixture_recording_sink.so");
    truncated_copy(fs::file_size(kGoodPlugin) / 2, "truncated.so");
    write_file(dir_ / "empty.so", "");
    write_file(dir_ / "text.so", "not a library\n");
    for (const char* name : {"fixture_exit_at_load.so", "fixture_segv_at_load.so", "fixture_segv_at_unload.so"})
        fs::copy_file(kHostile / name, dir_ / name);

    auto catalog = PluginCatalog::scan({dir_});
    std::vector<std::string> available;
    for (const auto& [name, description] : catalog.available()) available.push_back(name);
    EXPECT_EQ(available, (std::vector<std::string>{"fixture_counting_source", "fixture_recording_sink"}));

    std::map<std::string, std::string> reasons;  // file name → reason
    for (const auto& error : catalog.refused()) {
        const std::string message = error.what();
        for (const auto& entry : fs::directory_iterator(dir_))
            if (message.find(entry.path().string() + " refused") != std::string::npos)
                reasons[entry.path().filename()] = error.reason();
    }
    ASSERT_EQ(reasons.size(), 6u);
    EXPECT_NE(reasons["truncated.so"].find("truncated"), std::string::npos) << reasons["truncated.so"];
    EXPECT_NE(reasons["empty.so"].find("empty file"), std::string::npos);
    EXPECT_NE(reasons["text.so"].find("not an ELF file"), std::string::npos);
    EXPECT_NE(reasons["fixture_exit_at_load.so"].find("exit status 3"), std::string::npos);
    EXPECT_NE(reasons["fixture_segv_at_load.so"].find("SIGSEGV"), std::string::npos);
    EXPECT_NE(reasons["fixture_segv_at_unload.so"].find("unloading it"), std::string::npos);

    // Nothing was loaded here by the scan; a plugin named is, and only that one.
    EXPECT_FALSE(mapped_here(dir_ / "fixture_counting_source.so"));
    auto library = catalog.find("fixture_counting_source");
    EXPECT_EQ(library->name(), "fixture_counting_source");
    EXPECT_TRUE(mapped_here(dir_ / "fixture_counting_source.so"));
    EXPECT_FALSE(mapped_here(dir_ / "fixture_recording_sink.so"));
    EXPECT_EQ(catalog.find("fixture_counting_source"), library) << "one library per plugin";
    EXPECT_EQ(catalog.plugins().size(), 2u);  // loads every accepted plugin, no bad one
    EXPECT_TRUE(mapped_here(dir_ / "fixture_recording_sink.so"));
}

TEST_F(HostilePluginTest, TwoFilesDeclaringOneNameAreBothRefusedNamingEachOther) {
    fs::create_directories(dir_ / "a");
    fs::create_directories(dir_ / "b");
    fs::copy_file(kGoodPlugin, dir_ / "a" / "counting.so");
    fs::copy_file(kGoodPlugin, dir_ / "b" / "counting_copy.so");
    fs::copy_file(kFixtures / "fixture_recording_sink.so", dir_ / "b" / "fixture_recording_sink.so");

    auto catalog = PluginCatalog::scan({dir_ / "a", dir_ / "b"});
    EXPECT_EQ(catalog.available().count("fixture_counting_source"), 0u);
    EXPECT_EQ(catalog.available().count("fixture_recording_sink"), 1u);
    const auto refused = catalog.refused();
    ASSERT_EQ(refused.size(), 2u);
    for (const auto& error : refused) {
        EXPECT_NE(error.reason().find("declares plugin 'fixture_counting_source', as "), std::string::npos) << error.what();
        EXPECT_NE(error.reason().find("ambiguous"), std::string::npos) << error.what();
    }
    EXPECT_NE(std::string(refused[0].what()).find((dir_ / "a" / "counting.so").string() + " refused"), std::string::npos);
    EXPECT_NE(refused[0].reason().find((dir_ / "b" / "counting_copy.so").string()), std::string::npos);
    EXPECT_NE(refused[1].reason().find((dir_ / "a" / "counting.so").string()), std::string::npos);

    try {
        catalog.find("fixture_counting_source");
        FAIL() << "an ambiguous plugin was found";
    } catch (const std::runtime_error& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("plugin 'fixture_counting_source' is ambiguous"), std::string::npos) << message;
        EXPECT_NE(message.find((dir_ / "a" / "counting.so").string() + " and " + (dir_ / "b" / "counting_copy.so").string()),
                  std::string::npos)
            << message;
    }
    EXPECT_EQ(catalog.plugins().count("fixture_counting_source"), 0u);
}

TEST_F(HostilePluginTest, TheSameFileReachedTwiceCountsOnce) {
    fs::copy_file(kGoodPlugin, dir_ / "counting.so");
    fs::create_symlink(dir_ / "counting.so", dir_ / "link_to_counting.so");
    auto catalog = PluginCatalog::scan({dir_, dir_});
    EXPECT_EQ(catalog.available().size(), 1u);
    EXPECT_TRUE(catalog.refused().empty());
    EXPECT_EQ(catalog.available().at("fixture_counting_source").file, dir_ / "counting.so");
}

TEST_F(HostilePluginTest, AFileChangedAfterTheScanIsNotLoaded) {
    fs::copy_file(kGoodPlugin, dir_ / "counting.so");
    auto catalog = PluginCatalog::scan({dir_});
    ASSERT_EQ(catalog.available().size(), 1u);
    // Replaced in place by a truncated version, as a careless `cp` would do.
    write_file(dir_ / "counting.so", read_file(kGoodPlugin).substr(0, 4096));
    try {
        catalog.find("fixture_counting_source");
        FAIL() << "a file changed since the scan was loaded";
    } catch (const PluginLoadError& error) {
        EXPECT_NE(error.reason().find("changed on disk since the plugin path was scanned"), std::string::npos)
            << error.what();
    }
    EXPECT_FALSE(mapped_here(dir_ / "counting.so"));
    EXPECT_EQ(catalog.refused().size(), 1u);
    EXPECT_TRUE(catalog.plugins().empty());
}

}  // namespace
