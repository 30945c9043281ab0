#include "stream_file.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace ingest::plugins::source_event_simulator {
namespace {

using ingest::testing::TempDir;

TEST(StreamFile, EveryKeyEitherShapesTheStreamOrOnlyPacesIt) {
    // A key added to config_def() must be placed in one list: when in doubt, in stream_keys(),
    // so that changing it refuses to continue a stream rather than mixing two.
    std::set<std::string> stream(stream_keys().begin(), stream_keys().end());
    std::set<std::string> pacing(pacing_keys().begin(), pacing_keys().end());
    for (const ingest_config_key& key : config_def().table()) {
        const bool shapes = stream.erase(key.name) == 1;
        const bool paces = pacing.erase(key.name) == 1;
        EXPECT_TRUE(shapes != paces) << key.name << " must be in exactly one of the two lists";
    }
    EXPECT_TRUE(stream.empty()) << "not a key: " << *stream.begin();
    EXPECT_TRUE(pacing.empty()) << "not a key: " << *pacing.begin();
}

TEST(StreamFile, DescribesTheConnectorsValuesAndTheTaskShare) {
    SimulatorConfig config = default_config();
    config.events = 60'000;
    config.seed = -3;
    config.rate = 2'500.5;
    const StreamDescription description = describe_stream(config, 1, 2);
    EXPECT_EQ(description.task, 1);
    EXPECT_EQ(description.tasks, 2);
    EXPECT_EQ(description.value("events"), "60000");
    EXPECT_EQ(description.value("seed"), "-3");
    EXPECT_EQ(description.value("rate"), "2500.5");
    EXPECT_EQ(description.value("late.rate"), "0.05");
    EXPECT_EQ(description.value("event.types"), "page_view:60,click:25,add_to_cart:10,purchase:5");
    EXPECT_FALSE(description.value("max.in.flight"));
    EXPECT_FALSE(description.value("audit.log"));
}

TEST(StreamFile, RoundTripsThroughItsFile) {
    TempDir dir;
    const std::string path = stream_file_path(dir.file("audit.jsonl"));
    EXPECT_EQ(path, dir.file("audit.jsonl.stream"));
    EXPECT_FALSE(read_stream_file(path));
    const StreamDescription description = describe_stream(default_config(), 0, 1);
    write_stream_file(path, description);
    EXPECT_EQ(read_stream_file(path), description);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(StreamFile, NamesEveryChangeThatWouldMixTwoStreams) {
    SimulatorConfig config = default_config();
    const StreamDescription recorded = describe_stream(config, 0, 1);
    config.seed = 2;
    config.events = 5;
    config.max_in_flight = 7;  // pacing only
    const auto changes = stream_changes(recorded, describe_stream(config, 0, 2));
    ASSERT_EQ(changes.size(), 3u);
    EXPECT_EQ(changes[0], "task 0 of 1 (tasks.max) when the stream started, task 0 of 2 now");
    EXPECT_EQ(changes[1], "events: '100000' when the stream started, '5' now");
    EXPECT_EQ(changes[2], "seed: '1' when the stream started, '2' now");
}

TEST(StreamFile, ARateChangeIsNoChangeOfTheStream) {
    SimulatorConfig config = default_config();
    config.rate = 2000;
    const StreamDescription recorded = describe_stream(config, 0, 1);
    config.rate = 80;
    EXPECT_TRUE(stream_changes(recorded, describe_stream(config, 0, 1)).empty());
    EXPECT_EQ(recorded_rate(recorded), 2000);
}

TEST(StreamFile, RefusesWhatItDidNotWrite) {
    auto problem = [](std::string_view text) {
        try {
            parse_stream_description(text);
        } catch (const std::runtime_error& error) {
            return std::string(error.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(problem("{"), "not JSON (incomplete JSON)");
    EXPECT_EQ(problem("[]"), "not a JSON object");
    EXPECT_EQ(problem(R"({"format":2,"task":0,"tasks":1,"stream":{}})"),
              "format 2 is not 1 (written by another version?)");
    EXPECT_EQ(problem(R"({"format":1,"task":1,"tasks":1,"stream":{}})"), "task is not below tasks");
    EXPECT_EQ(problem(R"({"format":1,"task":0,"tasks":1,"stream":{"seed":1}})"),
              "\"stream\".\"seed\" is not a string");
    EXPECT_EQ(problem(R"({"format":1,"task":0,"tasks":1})"), "missing \"stream\"");
}

}  // namespace
}  // namespace ingest::plugins::source_event_simulator
