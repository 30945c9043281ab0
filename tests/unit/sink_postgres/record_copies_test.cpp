#include "record_copies.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ingest::plugins::sink_postgres {
namespace {

ingest_bytes bytes(const std::string& text) { return {text.data(), text.size()}; }

TEST(RecordCopies, KeepEveryFieldAfterTheOriginalsAreGone) {
    std::vector<ingest_record> raw(3);
    std::vector<ingest_header> headers;
    std::string topic_a = "events", topic_b = "events.dlq", key = "k1", value = "{\"v\":1}",
                header_value = "why";
    headers = {{"reason", bytes(header_value)}, {"empty", {nullptr, 0}}};
    raw[0] = {topic_a.c_str(), 3, 41, 1700, bytes(key), bytes(value), headers.data(), headers.size()};
    raw[1] = {topic_b.c_str(), 0, 7, -1, {nullptr, 0}, bytes(value), nullptr, 0};   // no key
    raw[2] = {topic_a.c_str(), 3, 42, 1701, bytes(key), {nullptr, 0}, nullptr, 0};  // tombstone
    std::vector<sdk::Record> records;
    for (const auto& r : raw) records.emplace_back(r);
    RecordCopies copies;
    copies.assign(records);
    // Overwrite the originals: the copies must not point into them.
    topic_a.assign(topic_a.size(), 'x');
    key.assign(key.size(), 'x');
    value.assign(value.size(), 'x');
    header_value.assign(header_value.size(), 'x');

    ASSERT_EQ(copies.size(), 3u);
    const auto first = copies[0];
    const sdk::Record a = first.record();
    EXPECT_EQ(a.topic(), "events");
    EXPECT_EQ(a.partition(), 3);
    EXPECT_EQ(a.offset(), 41);
    EXPECT_EQ(a.timestamp_ms(), 1700);
    EXPECT_TRUE(a.has_key());
    EXPECT_EQ(a.key(), "k1");
    EXPECT_EQ(a.value(), "{\"v\":1}");
    EXPECT_EQ(a.header("reason"), "why");
    ASSERT_EQ(a.raw().header_count, 2u);
    EXPECT_EQ(a.raw().headers[1].value.data, nullptr);

    const auto second = copies[1];
    EXPECT_EQ(second.record().topic(), "events.dlq");
    EXPECT_FALSE(second.record().has_key());
    EXPECT_FALSE(second.record().is_tombstone());
    EXPECT_EQ(second.record().raw().header_count, 0u);

    const auto third = copies[2];
    EXPECT_EQ(third.record().topic(), "events");
    EXPECT_TRUE(third.record().is_tombstone());
    EXPECT_EQ(third.record().key(), "k1");

    // A smaller batch replaces the copies.
    std::string small = "s";
    ingest_record one{"other", 1, 9, 5, bytes(small), bytes(small), nullptr, 0};
    std::vector<sdk::Record> again{sdk::Record(one)};
    copies.assign(again);
    ASSERT_EQ(copies.size(), 1u);
    EXPECT_EQ(copies[0].record().topic(), "other");
    EXPECT_EQ(copies[0].record().value(), "s");
}

}  // namespace
}  // namespace ingest::plugins::sink_postgres
