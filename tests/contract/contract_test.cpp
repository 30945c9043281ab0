// The data contract, checked from its vectors (user_event_vectors.jsonl): every input gets its
// expected kind and reason from the shared decoder; sink_postgres and sink_validator reach that
// same verdict through their own entry points (both call the one decoder); every valid event
// passes schemas/user_event.schema.json, and the schema rejects what it can express; what the
// simulator produces is judged as the simulator meant it; audit-log lines written by the shared
// writer pass schemas/audit_log.schema.json.
#include "event.hpp"            // sink_postgres
#include "event_value.hpp"      // sink_validator
#include "malformed.hpp"        // source_event_simulator
#include "record_format.hpp"    // source_event_simulator
#include "shared/user_events/audit_log.hpp"
#include "shared/user_events/event_decoder.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace ingest::plugins {
namespace {

using shared::user_events::EventDecoder;
using shared::user_events::MalformedReason;
using shared::user_events::RecordKind;
using shared::user_events::Verdict;

struct Vector {
    std::string name;
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::string kind;
    std::string reason;  // malformed only
    std::optional<bool> schema_valid;
    std::string simulator_kind;
};

std::string read_file(const char* path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw std::runtime_error(std::string("cannot read ") + path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::optional<std::string> nullable(const boost::json::object& object, const char* name) {
    const boost::json::value& value = object.at(name);
    if (value.is_null()) return std::nullopt;
    return std::string(value.as_string());
}

const std::vector<Vector>& vectors() {
    static const std::vector<Vector> all = [] {
        std::vector<Vector> loaded;
        std::istringstream lines(read_file(CONTRACT_VECTORS_PATH));
        for (std::string line; std::getline(lines, line);) {
            if (line.empty()) continue;
            const boost::json::object object = boost::json::parse(line).as_object();
            Vector vector;
            vector.name = std::string(object.at("name").as_string());
            vector.key = nullable(object, "key");
            vector.value = nullable(object, "value");
            vector.kind = std::string(object.at("kind").as_string());
            if (const auto* reason = object.if_contains("reason")) vector.reason = std::string(reason->as_string());
            if (const auto* schema = object.if_contains("schema_valid")) vector.schema_valid = schema->as_bool();
            if (const auto* kind = object.if_contains("simulator_kind"))
                vector.simulator_kind = std::string(kind->as_string());
            loaded.push_back(std::move(vector));
        }
        return loaded;
    }();
    return all;
}

std::optional<std::string_view> view(const std::optional<std::string>& text) {
    return text ? std::optional<std::string_view>(*text) : std::nullopt;
}

// "<reason code>: <detail>" → the code.
std::string code_of(const std::string& message) { return message.substr(0, message.find(':')); }

class JsonSchema {
   public:
    explicit JsonSchema(const char* path) : document_(boost::json::parse(read_file(path))) {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::BoostJsonAdapter adapter(document_);
        parser.populateSchema(adapter, schema_);
    }

    // nullopt when `text` is not JSON at all.
    std::optional<bool> accepts(std::string_view text) const {
        boost::system::error_code error;
        const boost::json::value document = boost::json::parse(text, error);
        if (error) return std::nullopt;
        valijson::Validator validator;
        valijson::adapters::BoostJsonAdapter target(document);
        return validator.validate(schema_, target, nullptr);
    }

   private:
    boost::json::value document_;
    valijson::Schema schema_;
};

TEST(ContractVectors, EveryVectorGetsItsExpectedKindAndReason) {
    ASSERT_FALSE(vectors().empty());
    EventDecoder decoder;
    for (const Vector& vector : vectors()) {
        SCOPED_TRACE(vector.name);
        const Verdict& verdict = decoder.decode(view(vector.key), view(vector.value));
        EXPECT_EQ(shared::user_events::record_kind_name(verdict.kind), vector.kind) << verdict.message();
        if (verdict.kind == RecordKind::Malformed)
            EXPECT_EQ(shared::user_events::reason_code(verdict.reason), vector.reason) << verdict.detail;
        else
            EXPECT_TRUE(vector.reason.empty());
    }
}

// Both plugins' classification entry points on every vector: the same kind, the same reason and,
// for events, the same fields. They agree by construction, since both call the one decoder; this
// keeps either from growing an opinion of its own.
TEST(ContractVectors, SinkAndValidatorReachTheSameVerdict) {
    EventDecoder sink_decoder;
    EventDecoder validator_decoder;
    sink_postgres::StringArena arena;
    for (const Vector& vector : vectors()) {
        SCOPED_TRACE(vector.name);
        sink_postgres::Event event;
        std::string sink_reason;
        const RecordKind sink_kind = sink_postgres::decode_record(
            sink_decoder, view(vector.key), view(vector.value), 30'000'000, event, arena, sink_reason);
        const sink_validator::ClassifiedRecord judged =
            sink_validator::classify_record(validator_decoder, view(vector.key), view(vector.value));

        EXPECT_EQ(shared::user_events::record_kind_name(sink_kind), vector.kind) << sink_reason;
        EXPECT_EQ(judged.kind, sink_kind) << judged.problem;
        if (sink_kind == RecordKind::Malformed) {
            EXPECT_EQ(code_of(sink_reason), vector.reason);
            EXPECT_EQ(judged.problem, sink_reason);
            continue;
        }
        EXPECT_EQ(judged.event_id, event.event_id);
        EXPECT_EQ(event.tombstone, sink_kind == RecordKind::Tombstone);
        if (sink_kind != RecordKind::Event) continue;
        EXPECT_EQ(judged.fields.user_id, arena.view(event.user_id));
        EXPECT_EQ(judged.fields.event_type, arena.view(event.event_type));
        EXPECT_EQ(judged.fields.event_time_us, event.event_time_us);
        EXPECT_EQ(judged.fields.received_time_us, event.received_time_us);
        EXPECT_EQ(judged.fields.is_valid, event.is_valid);
        EXPECT_EQ(judged.fields.revision, event.revision);
    }
}

// A vector's "schema_valid": false says the schema rejects it as well. Not every malformed vector
// has one: JSON Schema cannot see a repeated field or the key, and valijson's Boost.JSON adapter
// reads strings only up to a NUL (the schema's pattern forbids NUL all the same).
TEST(ContractVectors, ValidEventsPassTheSchemaAndTheSchemaRejectsWhatItCanExpress) {
    const JsonSchema schema(USER_EVENT_SCHEMA_PATH);
    for (const Vector& vector : vectors()) {
        SCOPED_TRACE(vector.name);
        if (vector.kind == "event") {
            EXPECT_EQ(schema.accepts(*vector.value), std::optional<bool>(true));
            EXPECT_NE(vector.schema_valid, std::optional<bool>(false));
        } else if (vector.schema_valid) {
            ASSERT_TRUE(vector.value);
            EXPECT_EQ(schema.accepts(*vector.value), vector.schema_valid);
        }
    }
}

TEST(ContractVectors, CoverTheKnownDisagreementsAndEverySimulatorKind) {
    std::set<std::string> reasons;
    std::set<std::string> simulator_kinds;
    bool year_zero = false;
    for (const Vector& vector : vectors()) {
        reasons.insert(vector.reason);
        simulator_kinds.insert(vector.simulator_kind);
        year_zero = year_zero || (vector.value && vector.value->find("\"0000-") != std::string::npos &&
                                  vector.reason == "bad_timestamp");
    }
    EXPECT_TRUE(year_zero);
    EXPECT_TRUE(reasons.contains("nul_character"));
    EXPECT_TRUE(reasons.contains("duplicate_field"));
    for (size_t i = 0; i < shared::user_events::kMalformedReasonCount; ++i)
        EXPECT_TRUE(reasons.contains(std::string(
            shared::user_events::reason_code(static_cast<MalformedReason>(i)))))
            << "no vector for reason " << shared::user_events::reason_code(static_cast<MalformedReason>(i));
    for (std::string_view kind : source_event_simulator::kMalformedKindNames)
        EXPECT_TRUE(simulator_kinds.contains(std::string(kind))) << "no vector for simulator kind " << kind;
}

// Beyond the vectors: many records of every malformed kind, as the simulator builds them, are
// malformed for the decoder, and the records it builds as valid are events.
TEST(SimulatorRecords, AreJudgedAsTheSimulatorMeantThem) {
    using namespace source_event_simulator;
    EventDecoder decoder;
    Rng rng(11);
    std::string key;
    std::string value;
    for (size_t kind = 0; kind < kMalformedKindCount; ++kind) {
        for (int i = 0; i < 500; ++i) {
            EventVersion base;
            base.event_id = random_uuid(rng);
            base.event_time_us = 1'795'593'600'000'000LL + static_cast<int64_t>(rng.below(1'000'000'000));
            base.received_time_us = base.event_time_us + static_cast<int64_t>(rng.below(60'000'000));
            base.user = static_cast<uint32_t>(1 + rng.below(1000));
            make_malformed(rng, static_cast<MalformedKind>(kind), base, "page_view", key, value);
            const Verdict& verdict = decoder.decode(key, value);
            ASSERT_EQ(verdict.kind, RecordKind::Malformed)
                << kMalformedKindNames[kind] << ": key " << key << " value " << value;
        }
    }
    for (int i = 0; i < 1000; ++i) {
        EventVersion version;
        version.event_id = random_uuid(rng);
        version.event_time_us = 1'795'593'600'000'000LL + static_cast<int64_t>(rng.below(1'000'000'000));
        version.received_time_us = version.event_time_us;
        version.revision = static_cast<uint32_t>(rng.below(10));
        char buffer[kValueCapacity];
        const std::string_view written(buffer, write_value(buffer, version, "click"));
        const std::string id = format_uuid(version.event_id);
        ASSERT_EQ(decoder.decode(id, written).kind, RecordKind::Event) << written;
        ASSERT_EQ(decoder.decode(id, std::nullopt).kind, RecordKind::Tombstone);
    }
}

// The simulator never writes a user_id the contract refuses for its length (issue 11): its user_ids
// are "user-<n>" with a 32-bit n, and the longest of them is an event.
TEST(SimulatorRecords, NeverWriteAUserIdBeyondTheLengthLimit) {
    using namespace source_event_simulator;
    EventVersion version;
    Rng rng(5);
    version.event_id = random_uuid(rng);
    version.user = std::numeric_limits<uint32_t>::max();
    char buffer[kValueCapacity];
    const std::string_view written(buffer, write_value(buffer, version, "click"));
    EventDecoder decoder;
    const Verdict& verdict = decoder.decode(format_uuid(version.event_id), written);
    ASSERT_EQ(verdict.kind, RecordKind::Event) << verdict.message();
    EXPECT_EQ(verdict.event.user_id, "user-4294967295");
    EXPECT_LE(verdict.event.user_id.size(), shared::user_events::kMaxUserIdLength);
}

std::string confirmed_line(std::string_view key, std::optional<std::string_view> value) {
    std::vector<char> buffer(shared::user_events::audit_record_line_capacity(key.size(), value ? value->size() : 0));
    return {buffer.data(), shared::user_events::write_confirmed_line(
                               buffer.data(), 42, shared::user_events::Intent::Correct, key, value, 5, 123456)};
}

TEST(AuditLogSchema, LinesTheSharedWriterWritesPassIt) {
    using namespace shared::user_events;
    const JsonSchema schema(AUDIT_LOG_SCHEMA_PATH);
    std::vector<std::string> lines;
    lines.push_back(confirmed_line("0f8fad5b-d9cb-469f-a165-70867728950e", std::string_view(R"({"a":"b"})")));
    lines.push_back(confirmed_line("0f8fad5b-d9cb-469f-a165-70867728950e", std::nullopt));
    lines.push_back(confirmed_line("bad \"key\"\n", std::string_view("\x01\x1f\\ trailing \x7f")));
    for (const Vector& vector : vectors())
        if (vector.key) lines.push_back(confirmed_line(*vector.key, view(vector.value)));
    {
        std::vector<char> buffer(audit_record_line_capacity(1, 1, 20));
        lines.emplace_back(buffer.data(), write_failed_line(buffer.data(), 7, Intent::Delete, "k", std::nullopt,
                                                            "Broker: timed out"));
    }
    {
        AuditTotals totals;
        totals.records = 3;
        totals.confirmed = 2;
        totals.failed = 1;
        for (size_t i = 0; i < kIntentCount; ++i) totals.by_intent[i] = i;
        std::vector<char> buffer(kAuditCompletionLineCapacity);
        lines.emplace_back(buffer.data(), write_completion_line(buffer.data(), totals));
    }
    AuditLineParser parser;
    for (const std::string& line : lines) {
        EXPECT_EQ(schema.accepts(line), std::optional<bool>(true)) << line;
        EXPECT_NE(parser.parse(line), AuditLineParser::Kind::Blank) << line;
    }
}

TEST(AuditLogSchema, RejectsLinesOutsideTheFormat) {
    const JsonSchema schema(AUDIT_LOG_SCHEMA_PATH);
    for (const char* line : {
             R"({"seq":1,"intent":"create","key":"k","value":"v","partition":0,"offset":0})",
             R"({"seq":1,"intent":"update","key":"k","value":"v","partition":0,"offset":0,"status":"confirmed"})",
             R"({"seq":1,"intent":"create","key":"k","value":"v","partition":-1,"offset":-1,"status":"confirmed"})",
             R"({"seq":1,"intent":"create","key":"k","value":"v","partition":-1,"offset":-1,"status":"failed"})",
             R"({"complete":true,"totals":{"records":1}})",
             R"({"complete":false,"totals":{}})"})
        EXPECT_EQ(schema.accepts(line), std::optional<bool>(false)) << line;
}

// The shipped connector configs are what users copy: each must pass the schema generated for its
// plugin (schemas/connectors/, `ingest plugins describe`), override and topic.creation keys
// included, and the schema must still refuse what the runner refuses.
TEST(ConnectorSchemas, AcceptTheShippedConnectors) {
    size_t checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(CONNECTORS_DIR)) {
        if (entry.path().extension() != ".json") continue;
        const std::string text = read_file(entry.path().c_str());
        const std::string plugin(boost::json::parse(text).at("config").at("plugin").as_string());
        const JsonSchema schema((std::string(CONNECTOR_SCHEMAS_DIR) + "/" + plugin + ".schema.json").c_str());
        EXPECT_EQ(schema.accepts(text), std::optional<bool>(true)) << entry.path();
        ++checked;
    }
    EXPECT_EQ(checked, 3u);
}

TEST(ConnectorSchemas, RefuseUnknownKeysAndTopicCreationOnSinks) {
    const JsonSchema sink(CONNECTOR_SCHEMAS_DIR "/sink_postgres.schema.json");
    const JsonSchema source(CONNECTOR_SCHEMAS_DIR "/source_event_simulator.schema.json");
    const std::string sink_base = R"({"name":"s","config":{"plugin":"sink_postgres","topics":"t","connection.dsn":"x")";
    const std::string source_base = R"({"name":"s","config":{"plugin":"source_event_simulator","topic":"t")";
    EXPECT_EQ(sink.accepts(sink_base + "}}"), std::optional<bool>(true));
    EXPECT_EQ(sink.accepts(sink_base + R"(,"consumer.override.fetch.max.bytes":"1048576"}})"), std::optional<bool>(true));
    EXPECT_EQ(sink.accepts(sink_base + R"(,"no.such.key":"1"}})"), std::optional<bool>(false));
    EXPECT_EQ(sink.accepts(sink_base + R"(,"topic.creation.default.cleanup.policy":"compact"}})"),
              std::optional<bool>(false));
    EXPECT_EQ(source.accepts(source_base + R"(,"topic.creation.default.cleanup.policy":"compact"}})"),
              std::optional<bool>(true));
    EXPECT_EQ(source.accepts(source_base + R"(,"consumer.override.fetch.max.bytes":"1"}})"), std::optional<bool>(false));
}

}  // namespace
}  // namespace ingest::plugins
