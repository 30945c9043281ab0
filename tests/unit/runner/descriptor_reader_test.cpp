// The descriptor reader applies the ABI's rule of growth: fields beyond a writer's struct_size read
// as zero, tables too small for ABI 1.0's fields are refused, config rows share one stride.
#include "plugin_host/descriptor_reader.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

namespace {

using ingest::plugin_host::read_descriptor;
using ingest::plugin_host::ReadDescriptor;

ingest_status put(void*, const ingest_record*, size_t, ingest_error*) { return INGEST_OK; }
ingest_status validate(const ingest_config*, ingest_report_fn, void*, ingest_error*) { return INGEST_OK; }
ingest_status list_offsets(void*, ingest_offset_fn, void*, ingest_error*) { return INGEST_OK; }
ingest_status alter_offsets(void*, const ingest_topic_partition*, size_t, ingest_error*) { return INGEST_OK; }

struct Fixture {
    ingest_sink_api sink{sizeof(ingest_sink_api), nullptr, &put, nullptr, nullptr, 1, 1};
    std::vector<ingest_config_key> keys{
        {sizeof(ingest_config_key), "a", INGEST_CONFIG_STRING, "x", "A.", 0, 0, 0, 0, nullptr},
        {sizeof(ingest_config_key), "b", INGEST_CONFIG_INT, "1", "B.", 1, 0, 0, 0, nullptr},
    };
    ingest_plugin plugin{};
    Fixture() {
        plugin.abi_version = INGEST_ABI_MAJOR;
        plugin.struct_size = sizeof(ingest_plugin);
        plugin.name = "p";
        plugin.kind = INGEST_KIND_SINK;
        plugin.sink = &sink;
        plugin.config_keys = keys.data();
        plugin.config_key_count = keys.size();
        plugin.abi_minor = INGEST_ABI_MINOR;
        plugin.validate = &validate;
    }
};

TEST(DescriptorReader, ReadsACurrentDescriptorWhole) {
    Fixture f;
    ReadDescriptor read;
    ASSERT_EQ(read_descriptor(f.plugin, read), "");
    EXPECT_EQ(read.abi_minor, INGEST_ABI_MINOR);
    EXPECT_EQ(read.plugin.validate, &validate);
    EXPECT_EQ(read.plugin.sink, &read.sink);
    EXPECT_EQ(read.sink.put, &put);
    EXPECT_EQ(read.sink.reports_verdict, 1);
    ASSERT_EQ(read.plugin.config_key_count, 2u);
    EXPECT_STREQ(read.plugin.config_keys[1].name, "b");
}

TEST(DescriptorReader, AFieldBeyondTheWritersStructSizeReadsAsAbsent) {
    Fixture f;
    f.plugin.struct_size = offsetof(ingest_plugin, validate);  // written before `validate` existed
    ReadDescriptor read;
    ASSERT_EQ(read_descriptor(f.plugin, read), "");
    EXPECT_EQ(read.plugin.validate, nullptr);
    EXPECT_EQ(read.abi_minor, INGEST_ABI_MINOR);
}

TEST(DescriptorReader, ASinkTableWrittenBeforeAbi_1_3HasNoOffsetHooks) {
    Fixture f;
    f.sink.list_offsets = &list_offsets;
    f.sink.alter_offsets = &alter_offsets;
    ReadDescriptor whole;
    ASSERT_EQ(read_descriptor(f.plugin, whole), "");
    EXPECT_EQ(whole.sink.list_offsets, &list_offsets);
    EXPECT_EQ(whole.sink.alter_offsets, &alter_offsets);

    f.sink.struct_size = offsetof(ingest_sink_api, list_offsets);  // a 1.2 plugin's table
    ReadDescriptor older;
    ASSERT_EQ(read_descriptor(f.plugin, older), "");
    EXPECT_EQ(older.sink.list_offsets, nullptr);
    EXPECT_EQ(older.sink.alter_offsets, nullptr);
    EXPECT_EQ(older.sink.reports_verdict, 1);
}

TEST(DescriptorReader, ADescriptorWithoutAbiMinorIsReadInTheAbi_1_0Layout) {
    // ABI 1.0's tables had no struct_size: the sink table starts with its open() pointer.
    struct SinkApi_1_0 {
        void* open;
        ingest_status (*put)(void*, const ingest_record*, size_t, ingest_error*);
        void* pre_commit;
        void* close;
        int owns_offsets;
        int reports_verdict;
    } old_sink{nullptr, &put, nullptr, nullptr, 0, 1};
    Fixture f;
    f.plugin.struct_size = offsetof(ingest_plugin, abi_minor);
    f.plugin.sink = reinterpret_cast<const ingest_sink_api*>(&old_sink);
    f.plugin.config_key_count = 0;
    f.plugin.config_keys = nullptr;
    ReadDescriptor read;
    ASSERT_EQ(read_descriptor(f.plugin, read), "");
    EXPECT_EQ(read.abi_minor, 0u);
    EXPECT_EQ(read.sink.put, &put);
    EXPECT_EQ(read.sink.owns_offsets, 0);
    EXPECT_EQ(read.sink.reports_verdict, 1);
    EXPECT_EQ(read.plugin.validate, nullptr);
}

TEST(DescriptorReader, RefusesTablesTooSmallForTheFieldsOfAbi_1_0) {
    Fixture f;
    f.sink.struct_size = offsetof(ingest_sink_api, reports_verdict);
    f.keys[0].struct_size = f.keys[1].struct_size = 8;
    ReadDescriptor read;
    EXPECT_EQ(read_descriptor(f.plugin, read),
              "its sink table is " + std::to_string(f.sink.struct_size) + " bytes, at least " +
                  std::to_string(offsetof(ingest_sink_api, reports_verdict) + sizeof(int)) +
                  " expected; a config key row is 8 bytes, at least " +
                  std::to_string(sizeof(ingest_config_key)) + " expected");

    Fixture small;
    small.plugin.struct_size = 16;
    ReadDescriptor read_small;
    EXPECT_NE(read_descriptor(small.plugin, read_small).find("its descriptor is 16 bytes"), std::string::npos);
}

TEST(DescriptorReader, RefusesConfigRowsOfDifferentSizes) {
    Fixture f;
    f.keys[1].struct_size = sizeof(ingest_config_key) - 8;
    ReadDescriptor read;
    EXPECT_NE(read_descriptor(f.plugin, read).find("config key row 1 is"), std::string::npos);
}

}  // namespace

namespace {

const ingest_metric_def kMetricRows[] = {
    {sizeof(ingest_metric_def), "written", "Rows written.", INGEST_METRIC_COUNTER},
    {sizeof(ingest_metric_def), "verdict", "1 when it passed.", INGEST_METRIC_GAUGE},
};

TEST(DescriptorReader, ReadsTheMetricTableOfAnAbi_1_2Plugin) {
    Fixture f;
    f.plugin.metrics = kMetricRows;
    f.plugin.metric_count = 2;
    ReadDescriptor read;
    ASSERT_EQ(read_descriptor(f.plugin, read), "");
    ASSERT_EQ(read.metrics.size(), 2u);
    EXPECT_EQ(read.plugin.metric_count, 2u);
    EXPECT_STREQ(read.plugin.metrics[1].name, "verdict");
    EXPECT_EQ(read.plugin.metrics[1].type, INGEST_METRIC_GAUGE);
}

TEST(DescriptorReader, AnAbi_1_1DescriptorHasNoMetricsWhateverFollowsIt) {
    Fixture f;
    // Written by a 1.1 plugin: its descriptor ends before `metrics`; what lies beyond in memory is
    // not the plugin's and must not be read.
    f.plugin.metrics = kMetricRows;
    f.plugin.metric_count = 2;
    f.plugin.struct_size = offsetof(ingest_plugin, metrics);
    f.plugin.abi_minor = 1;
    ReadDescriptor read;
    ASSERT_EQ(read_descriptor(f.plugin, read), "");
    EXPECT_EQ(read.abi_minor, 1u);
    EXPECT_TRUE(read.metrics.empty());
    EXPECT_EQ(read.plugin.metrics, nullptr);
    EXPECT_EQ(read.plugin.metric_count, 0u);
    EXPECT_EQ(read.plugin.validate, &validate);
}

// ABI 1.4 grew only the host's table (dead_letter_with_headers): a plugin built against 1.3 has
// today's descriptor and sink table, and loads with every field it wrote.
TEST(DescriptorReader, AnAbi_1_3PluginIsReadWholeByThisRunner) {
    static_assert(INGEST_ABI_MINOR >= 4);
    Fixture f;
    f.plugin.abi_minor = 3;
    f.plugin.metrics = kMetricRows;
    f.plugin.metric_count = 2;
    f.sink.list_offsets = &list_offsets;
    f.sink.alter_offsets = &alter_offsets;
    ReadDescriptor read;
    ASSERT_EQ(read_descriptor(f.plugin, read), "");
    EXPECT_EQ(read.abi_minor, 3u);
    EXPECT_EQ(read.plugin.validate, &validate);
    EXPECT_EQ(read.metrics.size(), 2u);
    EXPECT_EQ(read.sink.put, &put);
    EXPECT_EQ(read.sink.list_offsets, &list_offsets);
    EXPECT_EQ(read.sink.alter_offsets, &alter_offsets);
}

TEST(DescriptorReader, RefusesMetricRowsTooSmallForTheirFields) {
    Fixture f;
    ingest_metric_def small{offsetof(ingest_metric_def, type), "m", "M.", INGEST_METRIC_COUNTER};
    f.plugin.metrics = &small;
    f.plugin.metric_count = 1;
    ReadDescriptor read;
    EXPECT_NE(read_descriptor(f.plugin, read).find("a metric row is"), std::string::npos);
}

}  // namespace
