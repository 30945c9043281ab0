// sink_postgres against a real PostgreSQL, driven through its C ABI by the plugin test harness
// (ingest::harness): loaded and configured as the runner does, with a host that records its logs
// and dead letters. Needs a database where the test may create and drop schemas and roles: ctest
// provides the private cluster (fixture `postgres`); by hand, set INGEST_PG_DSN.
//
// INGEST_PG_BENCH_RECORDS=N additionally runs the throughput comparison with N records.
#include <ingest/harness.hpp>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using ingest::harness::Config;
using ingest::harness::DeadLetter;
using ingest::harness::Header;
using ingest::harness::Offsets;
using ingest::harness::Plugin;
using ingest::harness::Record;
using ingest::harness::SinkTask;
using ingest::harness::Status;
using ingest::harness::TaskOptions;

// INGEST_PG_DSN, or the first line of the file INGEST_PG_DSN_FILE names (what the ctest
// `postgres` fixture writes: its port is only known once it started).
const char* test_dsn() {
    static const std::string dsn = [] {
        if (const char* given = std::getenv("INGEST_PG_DSN"); given && *given) return std::string(given);
        std::string line;
        if (const char* file = std::getenv("INGEST_PG_DSN_FILE")) std::getline(std::ifstream(file) >> std::ws, line);
        return line;
    }();
    return dsn.empty() ? nullptr : dsn.c_str();
}

// The same connection as another user, whatever the DSN's form (URI or key=value).
std::string dsn_as_user(const std::string& dsn, const std::string& user) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
    if (!options) {
        std::string message = error ? error : "unparsable DSN";
        PQfreemem(error);
        throw std::runtime_error(message);
    }
    std::string result;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        const char* value = std::string(o->keyword) == "user" ? user.c_str() : o->val;
        if (!value) continue;
        std::string escaped;
        for (const char* c = value; *c; ++c) escaped += (*c == '\\' || *c == '\'') ? std::string("\\") + *c : std::string(1, *c);
        result += std::string(o->keyword) + "='" + escaped + "' ";
    }
    PQconninfoFree(options);
    return result;
}

// ---- a direct connection for setting up and checking ----------------------------------------

class Db {
   public:
    explicit Db(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str()), &PQfinish) {
        if (PQstatus(conn_.get()) != CONNECTION_OK)
            throw std::runtime_error(std::string("test connection: ") + PQerrorMessage(conn_.get()));
        PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
    }
    void run(const std::string& sql) {
        std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_.get(), sql.c_str()), &PQclear);
        const auto status = PQresultStatus(result.get());
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
            throw std::runtime_error(sql + ": " + PQerrorMessage(conn_.get()));
    }
    // Rows as '|'-joined text, NULL as "<null>".
    std::vector<std::string> rows(const std::string& sql) {
        std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_.get(), sql.c_str()), &PQclear);
        if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
            throw std::runtime_error(sql + ": " + PQerrorMessage(conn_.get()));
        std::vector<std::string> out;
        for (int r = 0; r < PQntuples(result.get()); ++r) {
            std::string row;
            for (int c = 0; c < PQnfields(result.get()); ++c) {
                if (c) row += '|';
                row += PQgetisnull(result.get(), r, c) ? "<null>" : PQgetvalue(result.get(), r, c);
            }
            out.push_back(row);
        }
        return out;
    }
    std::string value(const std::string& sql) {
        auto result = rows(sql);
        return result.empty() ? "<no rows>" : result[0];
    }
    PGconn* raw() { return conn_.get(); }

   private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// ---- the plugin through the harness ------------------------------------------------------------

constexpr const char* kTopic = "user-events";

const Plugin& sink_postgres() {
    static const Plugin plugin = Plugin::load(SINK_POSTGRES_PLUGIN_PATH);
    return plugin;
}

// A task of connector `connector` (the harness's default name otherwise).
TaskOptions as(const std::string& connector) {
    TaskOptions options;
    options.connector = connector;
    return options;
}

// OK, or a failure that says what the plugin answered.
::testing::AssertionResult ok(const Status& status) {
    if (status.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << status;
}

// Assigns partitions of `user-events`; returns the sink's stored next offset of each, in order
// (INGEST_OFFSET_NONE: none).
std::vector<int64_t> assign(SinkTask& task, const std::vector<int32_t>& partitions) {
    std::vector<ingest::harness::TopicPartition> assigned;
    for (int32_t p : partitions) assigned.push_back({kTopic, p});
    Offsets stored;
    if (const Status status = task.open(assigned, &stored); !status.ok())
        throw std::runtime_error("open: " + status.message);
    std::vector<int64_t> offsets;
    for (const auto& where : assigned) offsets.push_back(stored.at(where));
    return offsets;
}

// Stops the task and returns its counters from the summary it logs.
std::map<std::string, std::string> stop_summary(SinkTask& task) {
    task.stop();
    std::map<std::string, std::string> counters;
    const std::string prefix = "sink_postgres stopping: ";
    for (const auto& [level, message] : task.host().logs()) {
        if (message.rfind(prefix, 0) != 0) continue;
        std::istringstream words(message.substr(prefix.size()));
        std::string word;
        while (words >> word) {
            auto eq = word.find('=');
            if (eq != std::string::npos) counters[word.substr(0, eq)] = word.substr(eq + 1);
        }
    }
    return counters;
}

// A host built before ABI 1.4: its struct ends before dead_letter_with_headers. The harness always
// offers this SDK's host, so the one test of an older host keeps this minimal one; the harness
// still loads the plugin and resolves the config. Create and start on construction.
class HostBefore_1_4 {
   public:
    struct Letter {
        int64_t offset;
        std::string reason;
        std::vector<Header> headers;
    };

    explicit HostBefore_1_4(const Config& config) : config_(sink_postgres().resolve_config(config)) {
        host_.abi_version = INGEST_ABI_MAJOR;
        host_.struct_size = offsetof(ingest_host, dead_letter_with_headers);
        host_.context = this;
        host_.connector_name = "test-connector";
        host_.task_count = 1;
        host_.log = [](void*, ingest_log_level, const char*) {};
        host_.dead_letter = [](void* self, const ingest_record* record, const char* reason, ingest_error*) {
            static_cast<HostBefore_1_4*>(self)->dead_letters.push_back({record->offset, reason, {}});
            return INGEST_OK;
        };
        // In memory, but past struct_size: a plugin that called it anyway would add headers here.
        host_.dead_letter_with_headers = [](void* self, const ingest_record* record, const char* reason,
                                            const ingest_header* extra, size_t count, ingest_error*) {
            Letter letter{record->offset, reason, {}};
            for (size_t i = 0; i < count; ++i)
                letter.headers.push_back({extra[i].key, std::string(extra[i].value.data, extra[i].value.size)});
            static_cast<HostBefore_1_4*>(self)->dead_letters.push_back(std::move(letter));
            return INGEST_OK;
        };
        host_.flush_dead_letters = [](void*, ingest_error*) { return INGEST_OK; };
        ingest_error error{};
        task_ = api().create(&host_, &error);
        if (!task_) throw std::runtime_error(error.message);
        std::vector<ingest_config_entry> entries;
        for (const auto& [key, value] : config_) entries.push_back({key.c_str(), value.c_str()});
        const ingest_config raw{entries.data(), entries.size()};
        if (api().start(task_, &raw, &error) != INGEST_OK) {
            api().destroy(task_);
            throw std::runtime_error(error.message);
        }
    }
    ~HostBefore_1_4() {
        ingest_error error{};
        api().stop(task_, &error);
        api().destroy(task_);
    }
    HostBefore_1_4(const HostBefore_1_4&) = delete;
    HostBefore_1_4& operator=(const HostBefore_1_4&) = delete;

    // "" or the error.
    std::string open(int32_t partition) {
        ingest_topic_partition assigned{kTopic, partition, INGEST_OFFSET_NONE};
        ingest_error error{};
        return api().sink->open(task_, &assigned, 1, &error) == INGEST_OK ? "" : error.message;
    }
    std::string put(const std::vector<Record>& batch) {
        std::vector<ingest_record> records;
        for (const Record& in : batch) {
            auto bytes = [](const std::optional<std::string>& text) {
                return text ? ingest_bytes{text->data(), text->size()} : ingest_bytes{nullptr, 0};
            };
            records.push_back({in.topic.c_str(), in.partition, in.offset, -1, bytes(in.key), bytes(in.value), nullptr, 0});
        }
        ingest_error error{};
        if (api().sink->put(task_, records.data(), records.size(), &error) != INGEST_OK) return error.message;
        // The batch is written after put() returns: pre_commit() waits for it, as a runner's commit does.
        std::vector<ingest_topic_partition> offsets;
        for (const Record& in : batch) offsets.push_back({in.topic.c_str(), in.partition, in.offset + 1});
        return api().sink->pre_commit(task_, offsets.data(), offsets.size(), &error) == INGEST_OK ? "" : error.message;
    }

    std::vector<Letter> dead_letters;

   private:
    static const ingest_plugin& api() { return sink_postgres().descriptor(); }

    Config config_;
    ingest_host host_{};
    void* task_ = nullptr;
};

// ---- event helpers -----------------------------------------------------------------------------

std::string uuid_for(int n) {
    char text[40];
    std::snprintf(text, sizeof(text), "00000000-0000-4000-8000-%012d", n);
    return text;
}

std::string event(int n, int revision = 0, bool valid = true,
                  const std::string& event_time = "2026-11-25T08:00:00.123456Z",
                  const std::string& received_time = "2026-11-25T08:00:01.5Z",
                  const std::string& user = "user-1") {
    return R"({"event_id":")" + uuid_for(n) + R"(","user_id":")" + user +
           R"(","event_type":"page_view","event_time":")" + event_time + R"(","received_time":")" +
           received_time + R"(","is_valid":)" + (valid ? "true" : "false") +
           R"(,"revision":)" + std::to_string(revision) + "}";
}

// A record of `user-events` with `key` (absent: no key).
Record keyed(int32_t partition, int64_t offset, std::optional<std::string> key, std::optional<std::string> value) {
    Record record;
    record.topic = kTopic;
    record.partition = partition;
    record.offset = offset;
    record.key = std::move(key);
    record.value = std::move(value);
    return record;
}

// A record of `user-events` keyed by event n's id.
Record rec(int32_t partition, int64_t offset, int n, std::optional<std::string> value) {
    return keyed(partition, offset, uuid_for(n), std::move(value));
}

// An event of another type: "forbidden" is what the tests' CHECK constraint refuses.
std::string event_of_type(int n, const std::string& type, int revision = 0) {
    std::string value = event(n, revision);
    value.replace(value.find("page_view"), 9, type);
    return value;
}

// Text that compression cannot shrink (a btree entry holds at most 2704 bytes, compressed or not).
std::string incompressible(size_t length, unsigned seed) {
    std::mt19937 random(seed);
    std::string text;
    while (text.size() < length) text += "0123456789abcdefghijklmnopqrstuvwxyz"[random() % 36];
    return text;
}

// put() and then pre_commit(), as a runner commits: the sink writes a batch after put() returned
// (one batch in flight), and pre_commit() returns once everything put so far is committed. The
// first failure of the two.
Status applied(SinkTask& task, std::vector<Record> batch) {
    Status status = task.put(std::move(batch));
    if (!status.ok()) return status;
    return task.pre_commit();
}

// ---- fixture: a schema of its own per test ---------------------------------------------------

class SinkPostgres : public ::testing::Test {
   protected:
    void SetUp() override {
        if (!test_dsn()) GTEST_SKIP() << "neither INGEST_PG_DSN nor INGEST_PG_DSN_FILE is set";
        db = std::make_unique<Db>(test_dsn());
        schema = "sinktest_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
        for (char& c : schema) c = static_cast<char>(std::tolower(c));
        // PostgreSQL identifiers hold 63 bytes (the sink refuses longer names rather than let the
        // server cut them): a long test name keeps its start and a hash of the whole.
        if (schema.size() > 63) {
            char hash[12];
            std::snprintf(hash, sizeof(hash), "_%08zx", std::hash<std::string>{}(schema) & 0xffffffffu);
            schema = schema.substr(0, 63 - std::strlen(hash)) + hash;
        }
        db->run("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
    void TearDown() override {
        if (db) db->run("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
    // The connector's config: the runner's `topics` and the sink's keys.
    Config config(const Config& extra = {}) {
        Config cfg = {{"topics", kTopic},
                      {"connection.dsn", test_dsn()},
                      {"schema", schema},
                      {"retry.backoff.ms", "10"},
                      {"retry.backoff.max.ms", "100"}};
        for (const auto& [k, v] : extra) cfg[k] = v;
        return cfg;
    }
    std::string events_table() { return schema + ".events"; }
    // Until one of the connector's sessions (application_name ingest/CONNECTOR) waits for a lock
    // of that kind ("relation", "advisory"); false after 30 s.
    bool waits_for_lock(const std::string& connector, const std::string& lock_kind) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline) {
            if (db->value("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = '" +
                          lock_kind + "' AND application_name = 'ingest/" + connector + "'") != "0")
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }
    std::string row_of(int n) {
        return db->value("SELECT user_id, event_type, (event_time AT TIME ZONE 'UTC')::text,"
                         " (received_time AT TIME ZONE 'UTC')::text, is_valid, revision,"
                         " kafka_partition, kafka_offset FROM " + events_table() +
                         " WHERE event_id = '" + uuid_for(n) + "'");
    }
    std::string count(const std::string& table) { return db->value("SELECT count(*) FROM " + schema + "." + table); }
    // The stored next offset, "<no rows>" when none (a partition's row without an offset is only
    // its claim: see epoch()).
    std::string stored_offset(int partition, const std::string& connector = "test-connector") {
        return db->value("SELECT next_offset FROM " + schema + ".ingest_offsets WHERE connector = '" +
                         connector + "' AND topic = 'user-events' AND kafka_partition = " +
                         std::to_string(partition) + " AND next_offset IS NOT NULL");
    }
    // The partition's epoch: how many times a task claimed it (open()).
    std::string epoch(int partition, const std::string& connector = "test-connector") {
        return db->value("SELECT epoch FROM " + schema + ".ingest_offsets WHERE connector = '" + connector +
                         "' AND topic = 'user-events' AND kafka_partition = " + std::to_string(partition));
    }

    // Creates the sink's tables (as a first start does) and a CHECK constraint of the user's own
    // that refuses events of type "forbidden".
    void forbid_type_forbidden() {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
        db->run("ALTER TABLE " + events_table() + " ADD CONSTRAINT no_forbidden CHECK (event_type <> 'forbidden')");
    }
    // Every dead letter is one the database refused with `sqlstate`, with its headers.
    static void expect_refused(const DeadLetter& letter, const std::string& sqlstate) {
        EXPECT_EQ(letter.reason.rfind("refused_by_database: SQLSTATE " + sqlstate + ": ", 0), 0u) << letter.reason;
        EXPECT_EQ(letter.headers, (std::vector<Header>{{"ingest.errors.sqlstate", sqlstate}}));
    }

    std::unique_ptr<Db> db;
    std::string schema;
};

TEST_F(SinkPostgres, CreatesTablesAndWritesRowsWithOffsets) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    EXPECT_EQ(assign(task, {0, 1}), (std::vector<int64_t>{INGEST_OFFSET_NONE, INGEST_OFFSET_NONE}));
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(1, 10, 2, event(2)), rec(0, 1, 3, event(3))})));
    EXPECT_EQ(count("events"), "3");
    EXPECT_EQ(row_of(1), "user-1|page_view|2026-11-25 08:00:00.123456|2026-11-25 08:00:01.5|t|0|0|0");
    EXPECT_EQ(row_of(2), "user-1|page_view|2026-11-25 08:00:00.123456|2026-11-25 08:00:01.5|t|0|1|10");
    EXPECT_EQ(stored_offset(0), "2");
    EXPECT_EQ(stored_offset(1), "11");
    // Indexes on event_time and user_id besides the primary key.
    EXPECT_EQ(db->value("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + schema +
                        "' AND tablename = 'events'"), "3");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["inserted"], "3");
}

TEST_F(SinkPostgres, DuplicateChangesNothingAndIsCounted) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1))})));
    const std::string before = db->value("SELECT ingested_at, kafka_offset FROM " + events_table());
    ASSERT_TRUE(ok(applied(task, {rec(0, 1, 1, event(1, 0, true, "2026-11-25T09:00:00Z"))})));
    EXPECT_EQ(db->value("SELECT ingested_at, kafka_offset FROM " + events_table()), before);
    EXPECT_EQ(stored_offset(0), "2");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["inserted"], "1");
    EXPECT_EQ(counters["duplicates"], "1");
}

TEST_F(SinkPostgres, CorrectionReplacesAndStaleCorrectionDoesNot) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1))})));
    ASSERT_TRUE(ok(applied(task, {rec(0, 1, 1, event(1, 2, true, "2026-11-24T23:59:59.999999-01:00",
                                                "2026-11-25T08:00:01.5Z", "user-2"))})));
    EXPECT_EQ(row_of(1), "user-2|page_view|2026-11-25 00:59:59.999999|2026-11-25 08:00:01.5|t|2|0|1");
    ASSERT_TRUE(ok(applied(task, {rec(0, 2, 1, event(1, 1, true, "2026-11-25T08:00:00Z", "2026-11-25T08:00:00Z",
                                                "user-stale"))})));
    EXPECT_EQ(row_of(1), "user-2|page_view|2026-11-25 00:59:59.999999|2026-11-25 08:00:01.5|t|2|0|1");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["updated"], "1");
    EXPECT_EQ(counters["duplicates"], "1");
}

TEST_F(SinkPostgres, InvalidationFlipsIsValid) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2))})));
    ASSERT_TRUE(ok(applied(task, {rec(0, 2, 1, event(1, 1, false))})));
    EXPECT_EQ(db->value("SELECT is_valid, revision FROM " + events_table() + " WHERE event_id = '" + uuid_for(1) + "'"), "f|1");
    EXPECT_EQ(db->value("SELECT is_valid FROM " + events_table() + " WHERE event_id = '" + uuid_for(2) + "'"), "t");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["invalidations"], "1");
}

TEST_F(SinkPostgres, TombstoneDeletesForeverEvenAgainstLateVersions) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2))})));
    ASSERT_TRUE(ok(applied(task, {rec(0, 2, 1, std::nullopt)})));
    EXPECT_EQ(row_of(1), "<no rows>");
    EXPECT_EQ(db->value("SELECT kafka_partition, kafka_offset FROM " + schema +
                        ".events_deletions WHERE event_id = '" + uuid_for(1) + "'"), "0|2");
    // A late duplicate and a stale correction, then a correction with a huge revision.
    ASSERT_TRUE(ok(applied(task, {rec(0, 3, 1, event(1)), rec(0, 4, 1, event(1, 1))})));
    ASSERT_TRUE(ok(applied(task, {rec(0, 5, 1, event(1, 99))})));
    EXPECT_EQ(row_of(1), "<no rows>");
    EXPECT_EQ(count("events"), "1");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["deleted"], "1");
    EXPECT_EQ(counters["suppressed_after_delete"], "3");
}

TEST_F(SinkPostgres, RecordsOfOneEventCollapseWithinABatch) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 1, event(1, 1, false)), rec(0, 2, 1, event(1)),
                            rec(0, 3, 2, event(2)), rec(0, 4, 2, std::nullopt), rec(0, 5, 2, event(2, 3)),
                            rec(0, 6, 3, event(3, 0)), rec(0, 7, 3, event(3, 2, true, "2026-11-25T08:00:00Z",
                                                                           "2026-11-25T08:00:00Z", "user-3"))})));
    EXPECT_EQ(db->value("SELECT is_valid, revision, kafka_offset FROM " + events_table() +
                        " WHERE event_id = '" + uuid_for(1) + "'"), "f|1|1");
    EXPECT_EQ(row_of(2), "<no rows>");
    EXPECT_EQ(db->value("SELECT user_id, revision, kafka_offset FROM " + events_table() +
                        " WHERE event_id = '" + uuid_for(3) + "'"), "user-3|2|7");
    EXPECT_EQ(count("events_deletions"), "1");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["inserted"], "3");
    EXPECT_EQ(counters["updated"], "2");
    EXPECT_EQ(counters["duplicates"], "1");
    EXPECT_EQ(counters["deleted"], "1");
    EXPECT_EQ(counters["suppressed_after_delete"], "1");
    EXPECT_EQ(counters["invalidations"], "1");
}

TEST_F(SinkPostgres, LateArrivalIsStoredAndCounted) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1, 0, true, "2026-11-25T08:00:00Z", "2026-11-25T08:00:30Z")),
                            rec(0, 1, 2, event(2, 0, true, "2026-11-25T08:00:00Z", "2026-11-25T08:05:00Z"))})));
    EXPECT_EQ(count("events"), "2");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["late"], "1");
}

TEST_F(SinkPostgres, MalformedRecordsGoToDeadLettersAndTheRestCommits) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    std::string bad_revision = event(4);
    bad_revision.replace(bad_revision.find("\"revision\":0"), 12, "\"revision\":-1");
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)),
                            rec(0, 1, 2, "not json"),
                            keyed(0, 2, "not-a-uuid", event(3)),
                            rec(0, 3, 4, bad_revision),
                            rec(0, 4, 5, event(5, 0, true, "2026-11-25 08:00:00")),
                            rec(0, 5, 6, event(7)),  // key != event_id
                            keyed(0, 6, std::nullopt, event(8)),
                            rec(0, 7, 9, event(9))})));
    EXPECT_EQ(count("events"), "2");
    EXPECT_EQ(stored_offset(0), "8");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 6u);
    EXPECT_EQ(letters[0].record.offset, 1);
    EXPECT_EQ(letters[0].record.value, "not json");
    EXPECT_NE(letters[0].reason.find("not valid JSON"), std::string::npos);
    EXPECT_NE(letters[1].reason.find("key is not a UUID"), std::string::npos);
    EXPECT_NE(letters[2].reason.find("revision"), std::string::npos);
    EXPECT_NE(letters[3].reason.find("event_time"), std::string::npos);
    EXPECT_NE(letters[4].reason.find("does not match event_id"), std::string::npos);
    EXPECT_NE(letters[5].reason.find("no key"), std::string::npos);
    EXPECT_EQ(task.host().dead_letter_flushes(), 1u) << "dead letters confirmed once, before the commit";
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["dead_letters"], "6");
}

// ---- records PostgreSQL refuses although they decoded fine (issue 11) -------------------------

TEST_F(SinkPostgres, ARefusedRecordIsDeadLetteredAloneAndTheRestCommits) {
    forbid_type_forbidden();
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0, 1});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(1, 0, 2, event(2)), rec(0, 1, 3, event(3)),
                            rec(0, 2, 4, event_of_type(4, "forbidden")), rec(1, 1, 5, event(5)),
                            rec(0, 3, 6, event(6)), rec(0, 4, 7, "not json")})));
    EXPECT_EQ(db->rows("SELECT event_id FROM " + events_table() + " ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1), uuid_for(2), uuid_for(3), uuid_for(5), uuid_for(6)}));
    EXPECT_EQ(stored_offset(0), "5");
    EXPECT_EQ(stored_offset(1), "2");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 2u);
    EXPECT_EQ(letters[0].record.offset, 4) << "the malformed record, first, as before";
    EXPECT_TRUE(letters[0].headers.empty());
    const DeadLetter& refused = letters[1];
    EXPECT_EQ(refused.record.partition, 0);
    EXPECT_EQ(refused.record.offset, 2);
    EXPECT_EQ(refused.record.key, uuid_for(4));
    EXPECT_EQ(refused.record.value, event_of_type(4, "forbidden"));
    expect_refused(refused, "23514");
    EXPECT_NE(refused.reason.find("no_forbidden"), std::string::npos) << refused.reason;
    EXPECT_EQ(task.host().dead_letter_flushes(), 2u) << "malformed ones before the transaction, refused ones before its COMMIT";
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["inserted"], "5");
    EXPECT_EQ(counters["refused"], "1");
    EXPECT_EQ(counters["dead_letters"], "2");
    EXPECT_EQ(counters["batches"], "1");
}

TEST_F(SinkPostgres, TwoRefusedRecordsInOneBatch) {
    forbid_type_forbidden();
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    std::vector<Record> batch;
    for (int i = 0; i < 12; ++i)
        batch.push_back(rec(0, i, i + 1, i == 4 || i == 5 ? event_of_type(i + 1, "forbidden") : event(i + 1)));
    ASSERT_TRUE(ok(applied(task, batch)));
    EXPECT_EQ(count("events"), "10");
    EXPECT_EQ(db->value("SELECT count(*) FROM " + events_table() + " WHERE event_id IN ('" + uuid_for(5) + "', '" +
                        uuid_for(6) + "')"),
              "0");
    EXPECT_EQ(stored_offset(0), "12");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 2u);
    EXPECT_EQ(letters[0].record.offset, 4);
    EXPECT_EQ(letters[1].record.offset, 5);
    for (const DeadLetter& letter : letters) expect_refused(letter, "23514");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["inserted"], "10");
    EXPECT_EQ(counters["refused"], "2");
}

TEST_F(SinkPostgres, RefusedRecordsAtTheStartAndTheEnd) {
    forbid_type_forbidden();
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    std::vector<Record> batch;
    for (int i = 0; i < 9; ++i)
        batch.push_back(rec(0, 100 + i, i + 1, i == 0 || i == 8 ? event_of_type(i + 1, "forbidden") : event(i + 1)));
    ASSERT_TRUE(ok(applied(task, batch)));
    EXPECT_EQ(db->rows("SELECT kafka_offset FROM " + events_table() + " ORDER BY 1"),
              (std::vector<std::string>{"101", "102", "103", "104", "105", "106", "107"}));
    EXPECT_EQ(stored_offset(0), "109");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 2u);
    EXPECT_EQ(letters[0].record.offset, 100);
    EXPECT_EQ(letters[1].record.offset, 108);
    for (const DeadLetter& letter : letters) expect_refused(letter, "23514");
    // A batch that is nothing but refused records still moves its offsets.
    ASSERT_TRUE(ok(applied(task, {rec(0, 109, 20, event_of_type(20, "forbidden"))})));
    EXPECT_EQ(stored_offset(0), "110");
    EXPECT_EQ(count("events"), "7");
    EXPECT_EQ(letters.size(), 3u);
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["refused"], "3");
}

// Records of one event that land in different halves: the outcome is that of applying them one
// by one, less the refused ones. Revisions 0..3 of 40 events, interleaved; every revision 2 of an
// even event, and every revision 3 of a multiple of 5, is refused.
TEST_F(SinkPostgres, IsolationAppliesTheOtherRecordsAsIfOneByOne) {
    forbid_type_forbidden();
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    auto refused = [](int n, int revision) { return (revision == 2 && n % 2 == 0) || (revision == 3 && n % 5 == 0); };
    std::vector<Record> batch;
    int64_t offset = 0;
    int expected_refusals = 0;
    for (int revision = 0; revision < 4; ++revision)
        for (int n = 1; n <= 40; ++n) {
            expected_refusals += refused(n, revision) ? 1 : 0;
            std::string type = "t";
            type += std::to_string(revision);
            if (refused(n, revision)) type = "forbidden";
            batch.push_back(rec(0, offset++, n, event_of_type(n, type, revision)));
        }
    ASSERT_TRUE(ok(applied(task, batch)));
    std::vector<std::string> expected;
    for (int n = 1; n <= 40; ++n) {
        int newest = 3;
        while (refused(n, newest)) --newest;
        expected.push_back(uuid_for(n) + "|" + std::to_string(newest) + "|t" + std::to_string(newest));
    }
    EXPECT_EQ(db->rows("SELECT event_id, revision, event_type FROM " + events_table() + " ORDER BY 1"), expected);
    EXPECT_EQ(stored_offset(0), std::to_string(offset));
    const auto& letters = task.host().dead_letters();
    EXPECT_EQ(letters.size(), static_cast<size_t>(expected_refusals));
    for (const DeadLetter& letter : letters) expect_refused(letter, "23514");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["refused"], std::to_string(expected_refusals));
    EXPECT_EQ(counters["inserted"], "40");
    EXPECT_EQ(counters["updated"], std::to_string(3 * 40 - expected_refusals));
}

// A correction the table refuses leaves the version before it, as if applied one by one; the
// collapse alone would have written only the refused one.
TEST_F(SinkPostgres, ARefusedCorrectionLeavesTheVersionBeforeIt) {
    forbid_type_forbidden();
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1, 0)), rec(0, 1, 1, event_of_type(1, "forbidden", 1))})));
    EXPECT_EQ(db->value("SELECT revision, event_type, kafka_offset FROM " + events_table()), "0|page_view|0");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].record.offset, 1);
    EXPECT_EQ(stored_offset(0), "2");
}

// A tombstone whose DELETE a foreign key of the user's refuses: the row stays, no deletion is
// remembered, and the tombstone is dead-lettered.
TEST_F(SinkPostgres, ARefusedTombstoneKeepsTheRowAndRemembersNoDeletion) {
    {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
    }
    db->run("CREATE TABLE " + schema + ".orders (event_id uuid REFERENCES " + events_table() + " (event_id))");
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2))})));
    db->run("INSERT INTO " + schema + ".orders VALUES ('" + uuid_for(1) + "')");
    ASSERT_TRUE(ok(applied(task, {rec(0, 2, 1, std::nullopt), rec(0, 3, 2, std::nullopt), rec(0, 4, 3, event(3))})));
    EXPECT_EQ(db->rows("SELECT event_id FROM " + events_table() + " ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1), uuid_for(3)}));
    EXPECT_EQ(db->rows("SELECT event_id FROM " + schema + ".events_deletions"), std::vector<std::string>{uuid_for(2)});
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].record.offset, 2);
    EXPECT_EQ(letters[0].record.value, std::nullopt);
    expect_refused(letters[0], "23503");
    EXPECT_EQ(stored_offset(0), "5");
}

// 54000: a value too large for an index of the user's (a btree entry holds at most 2704 bytes).
TEST_F(SinkPostgres, AnIndexRowTooLargeIsRefusedAlone) {
    {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
    }
    db->run("CREATE INDEX ON " + events_table() + " (event_type)");
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event_of_type(2, incompressible(3000, 2))),
                            rec(0, 2, 3, event(3))})));
    EXPECT_EQ(count("events"), "2");
    EXPECT_EQ(stored_offset(0), "3");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].record.offset, 1);
    expect_refused(letters[0], "54000");
    EXPECT_NE(letters[0].reason.find("index row size"), std::string::npos) << letters[0].reason;
}

// Issue 11: "one long user_id stops a partition". The contract limits user_id to 512 characters,
// so a 3,000-character one is malformed (text_too_long) and dead-lettered before the database
// sees it; the longest valid one, in four-byte characters that do not compress, fits the
// user_id index.
TEST_F(SinkPostgres, AUserIdBeyondTheContractIsDeadLetteredAlone) {
    std::string longest;
    std::mt19937 random(7);
    for (int i = 0; i < 512; ++i) {
        const uint32_t code = 0x1F300 + random() % 0x300;  // four bytes in UTF-8
        longest += {static_cast<char>(0xF0 | (code >> 18)), static_cast<char>(0x80 | ((code >> 12) & 0x3F)),
                    static_cast<char>(0x80 | ((code >> 6) & 0x3F)), static_cast<char>(0x80 | (code & 0x3F))};
    }
    ASSERT_EQ(longest.size(), 2048u);
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)),
                            rec(0, 1, 2, event(2, 0, true, "2026-11-25T08:00:00Z", "2026-11-25T08:00:00Z",
                                               "user-" + incompressible(2995, 3))),
                            rec(0, 2, 3, event(3, 0, true, "2026-11-25T08:00:00Z", "2026-11-25T08:00:00Z", longest)),
                            rec(0, 3, 4, event(4))})));
    EXPECT_EQ(db->rows("SELECT event_id, octet_length(user_id) FROM " + events_table() + " ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1) + "|6", uuid_for(3) + "|2048", uuid_for(4) + "|6"}));
    EXPECT_EQ(stored_offset(0), "4");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].record.offset, 1);
    EXPECT_EQ(letters[0].reason.rfind("text_too_long: field 'user_id' is 3000 characters long", 0), 0u)
        << letters[0].reason;
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["refused"], "0");
    EXPECT_EQ(counters["dead_letters"], "1");
}

// A host built before ABI 1.4 cannot add headers: the dead letter still names the SQLSTATE in its
// reason.
TEST_F(SinkPostgres, AnOlderHostGetsTheRefusedRecordWithoutHeaders) {
    forbid_type_forbidden();
    HostBefore_1_4 task(config());
    ASSERT_EQ(task.open(0), "");
    ASSERT_EQ(task.put({rec(0, 0, 1, event_of_type(1, "forbidden")), rec(0, 1, 2, event(2))}), "");
    EXPECT_EQ(count("events"), "1");
    ASSERT_EQ(task.dead_letters.size(), 1u);
    EXPECT_TRUE(task.dead_letters[0].headers.empty());
    EXPECT_EQ(task.dead_letters[0].reason.rfind("refused_by_database: SQLSTATE 23514: ", 0), 0u)
        << task.dead_letters[0].reason;
}

// ---- configuration and permission errors: the task fails at once, saying what to fix ---------

// A unique index of the user's on the events table is a data rule like a CHECK: the one record
// that breaks it (23505) is dead-lettered alone and the rest of its batch commits. Only the sink's
// own keys make a 23505 transient (ARaceOnADailyPartitionsOwnKeyIsRetriedNotDeadLettered). With one
// writer, the batch's order decides which of two records breaking it together is refused.
TEST_F(SinkPostgres, AUsersUniqueIndexRefusesOneRecordAloneAndTheRestCommits) {
    {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
    }
    db->run("CREATE UNIQUE INDEX one_event_per_user_and_time ON " + events_table() + " (user_id, event_time)");
    SinkTask task(sink_postgres(), config({{"writers", "1"}}));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0, 1});
    const auto of_user = [](int n, const std::string& user) {
        return event(n, 0, true, "2026-11-25T08:00:00Z", "2026-11-25T08:00:01Z", user);
    };
    // Event 4 is user-1's at event 1's time: applied after it in Kafka order, it is the one refused.
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, of_user(1, "user-1")), rec(1, 0, 2, of_user(2, "user-2")),
                            rec(0, 1, 3, of_user(3, "user-3")), rec(1, 1, 4, of_user(4, "user-1")),
                            rec(0, 2, 5, of_user(5, "user-5")), rec(1, 2, 6, of_user(6, "user-6"))})));
    EXPECT_EQ(db->rows("SELECT event_id, user_id FROM " + events_table() + " ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1) + "|user-1", uuid_for(2) + "|user-2", uuid_for(3) + "|user-3",
                                        uuid_for(5) + "|user-5", uuid_for(6) + "|user-6"}));
    EXPECT_EQ(stored_offset(0), "3");
    EXPECT_EQ(stored_offset(1), "3");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 1u);
    const DeadLetter& refused = letters[0];
    EXPECT_EQ(refused.record.partition, 1);
    EXPECT_EQ(refused.record.offset, 1);
    EXPECT_EQ(refused.record.key, uuid_for(4));
    EXPECT_EQ(refused.record.value, of_user(4, "user-1"));
    expect_refused(refused, "23505");
    EXPECT_NE(refused.reason.find("one_event_per_user_and_time"), std::string::npos) << refused.reason;
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["inserted"], "5");
    EXPECT_EQ(counters["refused"], "1");
    EXPECT_EQ(counters["dead_letters"], "1");
    EXPECT_EQ(counters["retries"], "0") << "a user's unique index is not retried";
    EXPECT_EQ(counters["batches"], "1");
}

// The same with two writers, the two partitions in two groups written at once: Kafka orders no
// records across partitions, so either record may be the one applied, whichever group commits
// first; the other waits for that COMMIT (no deadlock between the task's own transactions) and is
// refused alone.
TEST_F(SinkPostgres, AUsersUniqueIndexAcrossWritersRefusesOneOfTheTwoAlone) {
    {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
    }
    db->run("CREATE UNIQUE INDEX one_event_per_user_and_time ON " + events_table() + " (user_id, event_time)");
    SinkTask task(sink_postgres(), config({{"writers", "2"}}));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0, 1});
    const auto of_user = [](int n, const std::string& user) {
        return event(n, 0, true, "2026-11-25T08:00:00Z", "2026-11-25T08:00:01Z", user);
    };
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, of_user(1, "user-1")), rec(1, 0, 2, of_user(2, "user-2")),
                            rec(0, 1, 3, of_user(3, "user-3")), rec(1, 1, 4, of_user(4, "user-1"))})));
    EXPECT_EQ(stored_offset(0), "2");
    EXPECT_EQ(stored_offset(1), "2");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 1u);
    const DeadLetter& refused = letters[0];
    expect_refused(refused, "23505");
    ASSERT_TRUE(refused.record.key == uuid_for(1) || refused.record.key == uuid_for(4)) << *refused.record.key;
    const std::string kept = refused.record.key == uuid_for(1) ? uuid_for(4) : uuid_for(1);
    std::vector<std::string> expected = {kept + "|user-1", uuid_for(2) + "|user-2", uuid_for(3) + "|user-3"};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(db->rows("SELECT event_id, user_id FROM " + events_table() + " ORDER BY 1"), expected);
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["inserted"], "3");
    EXPECT_EQ(counters["refused"], "1");
    EXPECT_EQ(counters["retries"], "0");
}

// A user's deferrable unique constraint is checked at COMMIT, where no single record explains the
// violation: the task fails at once (no retries) and nothing of the batch is written or dead-lettered.
TEST_F(SinkPostgres, AUsersDeferredUniqueConstraintFailsTheTaskAtCommit) {
    {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
    }
    db->run("ALTER TABLE " + events_table() +
            " ADD CONSTRAINT one_event_per_user_and_time UNIQUE (user_id, event_time) DEFERRABLE INITIALLY DEFERRED");
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    const Status status = applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2))});
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("failed: SQLSTATE 23505: duplicate key value violates unique constraint "
                         "\"one_event_per_user_and_time\""),
              std::string::npos)
        << error;
    EXPECT_EQ(count("events"), "0");
    EXPECT_EQ(stored_offset(0), "<no rows>");
    EXPECT_TRUE(task.host().dead_letters().empty());
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["retries"], "0");
}

TEST_F(SinkPostgres, APrivilegeRevokedFailsAtOnceNamingTheGrant) {
    db->run("DROP ROLE IF EXISTS sinktest_writer");
    db->run("CREATE ROLE sinktest_writer LOGIN");
    {
        SinkTask owner(sink_postgres(), config());
        ASSERT_TRUE(ok(owner.start()));
    }
    db->run("GRANT USAGE ON SCHEMA " + schema + " TO sinktest_writer");
    db->run("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO sinktest_writer");
    {
        SinkTask task(sink_postgres(), config({{"connection.dsn", dsn_as_user(test_dsn(), "sinktest_writer")}}));
        ASSERT_TRUE(ok(task.start()));
        assign(task, {0});
        ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1))})));
        db->run("REVOKE INSERT ON " + events_table() + " FROM sinktest_writer");
        const Status status = applied(task, {rec(0, 1, 2, event(2)), rec(0, 2, 1, event(1, 1))});
        const std::string& error = status.message;
        EXPECT_TRUE(status.fatal()) << status;
        EXPECT_NE(error.find("SQLSTATE 42501"), std::string::npos) << error;
        EXPECT_NE(error.find("inserting new rows into \"" + schema + "\".\"events\" (needs INSERT)"), std::string::npos)
            << error;
        EXPECT_NE(error.find("The role \"sinktest_writer\" lacks a privilege: INSERT on \"" + schema + "\".\"events\""),
                  std::string::npos)
            << error;
        EXPECT_NE(error.find("GRANT SELECT, INSERT, UPDATE, DELETE ON \"" + schema + "\".\"events\", \"" + schema +
                             "\".\"events_deletions\", \"" + schema + "\".\"ingest_offsets\" TO \"sinktest_writer\""),
                  std::string::npos)
            << error;
        EXPECT_EQ(error.find("retry"), std::string::npos) << "failed at once: " << error;
        EXPECT_EQ(count("events"), "1");
        EXPECT_EQ(stored_offset(0), "1") << "nothing of the failed batch";
        auto counters = stop_summary(task);
        EXPECT_EQ(counters["retries"], "0");
    }
    db->run("DROP OWNED BY sinktest_writer");
    db->run("DROP ROLE sinktest_writer");
}

TEST_F(SinkPostgres, ADroppedColumnFailsAtOnceNamingTheLayout) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1))})));
    db->run("ALTER TABLE " + events_table() + " DROP COLUMN event_type");
    const Status status = applied(task, {rec(0, 1, 2, event(2))});
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("SQLSTATE 42703"), std::string::npos) << error;
    EXPECT_NE(error.find("event_type"), std::string::npos) << error;
    EXPECT_NE(error.find("The table \"" + schema + "\".\"events\" does not have the layout the sink writes: \"" +
                         schema + "\".\"events\" (event_id uuid, user_id text, event_type text,"),
              std::string::npos)
        << error;
    EXPECT_EQ(stored_offset(0), "1");
    EXPECT_EQ(task.host().dead_letters().size(), 0u) << "not a record's fault";
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["retries"], "0");
}

TEST_F(SinkPostgres, ReopenReturnsStoredOffsetsAndRedeliveryIsNotAppliedTwice) {
    {
        SinkTask first(sink_postgres(), config());
        ASSERT_TRUE(ok(first.start()));
        assign(first, {0, 1});
        ASSERT_TRUE(ok(applied(first, {rec(0, 0, 1, event(1)), rec(0, 1, 1, event(1, 1)), rec(1, 0, 2, event(2))})));
    }
    SinkTask second(sink_postgres(), config());
    ASSERT_TRUE(ok(second.start()));
    EXPECT_EQ(assign(second, {0, 1, 2}), (std::vector<int64_t>{2, 1, INGEST_OFFSET_NONE}));
    // A runner that redelivers anyway (e.g. after losing a commit acknowledgement).
    ASSERT_TRUE(ok(applied(second, {rec(0, 0, 1, event(1)), rec(0, 1, 1, event(1, 1)), rec(0, 2, 1, event(1, 2))})));
    EXPECT_EQ(db->value("SELECT revision FROM " + events_table() + " WHERE event_id = '" + uuid_for(1) + "'"), "2");
    EXPECT_EQ(stored_offset(0), "3");
    auto counters = stop_summary(second);
    EXPECT_EQ(counters["already_applied"], "2");
    EXPECT_EQ(counters["updated"], "1");
    EXPECT_EQ(counters["duplicates"], "0");
}

TEST_F(SinkPostgres, ConnectorsKeepSeparateOffsets) {
    SinkTask a(sink_postgres(), config({{"table", "events_a"}}), as("connector-a"));
    SinkTask b(sink_postgres(), config({{"table", "events_b"}}), as("connector-b"));
    ASSERT_TRUE(ok(a.start()));
    ASSERT_TRUE(ok(b.start()));
    assign(a, {0});
    assign(b, {0});
    ASSERT_TRUE(ok(applied(a, {rec(0, 0, 1, event(1))})));
    ASSERT_TRUE(ok(applied(b, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2))})));
    EXPECT_EQ(stored_offset(0, "connector-a"), "1");
    EXPECT_EQ(stored_offset(0, "connector-b"), "2");
}

// Fencing (issue 14): a task that lost its partition to another one (paused past its session,
// partitioned away) and comes back finds a newer epoch in the partition's offsets row: its batch
// is refused whole, nothing of it written, and the task fails without retrying; the new owner's
// batches go through.
TEST_F(SinkPostgres, AZombieIsFencedAndWritesNothingWhileItsSuccessorWrites) {
    SinkTask zombie(sink_postgres(), config({{"writers", "2"}}));
    ASSERT_TRUE(ok(zombie.start()));
    EXPECT_EQ(assign(zombie, {0, 1}), (std::vector<int64_t>{INGEST_OFFSET_NONE, INGEST_OFFSET_NONE}));
    EXPECT_EQ(epoch(0), "1");
    ASSERT_TRUE(ok(applied(zombie, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2)), rec(1, 0, 3, event(3))})));

    // The successor is assigned partition 0 while the zombie still believes it owns it.
    SinkTask successor(sink_postgres(), config());
    ASSERT_TRUE(ok(successor.start()));
    EXPECT_EQ(assign(successor, {0}), (std::vector<int64_t>{2}));
    EXPECT_EQ(epoch(0), "2");
    EXPECT_EQ(epoch(1), "1");

    // The zombie resumes with new records of partition 0: a new event, a correction and a
    // deletion; and of partition 1, which no one took from it (written by its other writer, so
    // the fenced group and the other commit or fail apart).
    const Status status =
        applied(zombie, {rec(0, 2, 4, event(4)), rec(0, 3, 1, event(1, 1)), rec(0, 4, 2, std::nullopt),
                         rec(1, 1, 5, event(5))});
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(status.message.find("fenced: partition user-events-0 was claimed by a newer task (epoch 2 > mine 1)"),
              std::string::npos)
        << status.message;
    EXPECT_TRUE(zombie.host().logged("sink_postgres task test-connector-0 fenced: partition user-events-0"));
    EXPECT_EQ(db->value("SELECT string_agg(event_id || ':' || revision, ',' ORDER BY event_id) FROM " + events_table() +
                        " WHERE kafka_partition = 0"),
              uuid_for(1) + ":0," + uuid_for(2) + ":0");
    EXPECT_NE(row_of(5), "<no rows>") << "partition 1 is still the zombie's: its group commits";
    EXPECT_EQ(stored_offset(1), "2");
    EXPECT_EQ(row_of(4), "<no rows>");
    EXPECT_EQ(db->value("SELECT revision FROM " + events_table() + " WHERE event_id = '" + uuid_for(1) + "'"), "0");
    EXPECT_EQ(count("events_deletions"), "0");
    EXPECT_EQ(stored_offset(0), "2");
    EXPECT_EQ(epoch(0), "2") << "the zombie claims nothing back";
    // Not retried, and the task stays failed: the next put() fails at once.
    EXPECT_EQ(zombie.host().logs().end(),
              std::find_if(zombie.host().logs().begin(), zombie.host().logs().end(),
                           [](const auto& line) { return line.message.find("retry") != std::string::npos; }));
    const Status again = zombie.put({rec(1, 2, 6, event(6))});
    EXPECT_TRUE(again.fatal()) << again;
    EXPECT_NE(again.message.find("fenced"), std::string::npos) << again.message;

    // The successor writes the same records.
    ASSERT_TRUE(ok(applied(successor, {rec(0, 2, 4, event(4)), rec(0, 3, 1, event(1, 1)), rec(0, 4, 2, std::nullopt)})));
    EXPECT_EQ(db->value("SELECT revision FROM " + events_table() + " WHERE event_id = '" + uuid_for(1) + "'"), "1");
    EXPECT_NE(row_of(4), "<no rows>");
    EXPECT_EQ(row_of(2), "<no rows>");
    EXPECT_EQ(count("events_deletions"), "1");
    EXPECT_EQ(stored_offset(0), "5");
    auto counters = stop_summary(successor);
    EXPECT_EQ(counters["inserted"], "1");
    EXPECT_EQ(counters["updated"], "1");
    EXPECT_EQ(counters["deleted"], "1");
}

// A claim takes the partition's advisory lock, which a batch holds until its COMMIT: a successor's
// claim waits for the predecessor's batch in flight, and then returns the offset that batch
// stored (nothing lost between the two); the predecessor's next batch is fenced.
TEST_F(SinkPostgres, AClaimWaitsForTheBatchInFlightAndResumesAfterIt) {
    const std::string connector = "claim-waits";  // its sessions' application_name: ingest/claim-waits
    SinkTask predecessor(sink_postgres(), config(), as(connector));
    ASSERT_TRUE(ok(predecessor.start()));
    assign(predecessor, {0});
    ASSERT_TRUE(ok(applied(predecessor, {rec(0, 0, 1, event(1))})));
    // Started before the table is locked: preparing its statements takes the table's locks too.
    SinkTask successor(sink_postgres(), config(), as(connector));
    ASSERT_TRUE(ok(successor.start()));
    // Holds the predecessor's next batch inside its transaction (after its epoch check, at the
    // COPY into events) by locking the table from another session.
    Db blocker(test_dsn());
    blocker.run("BEGIN");
    blocker.run("LOCK TABLE " + events_table() + " IN SHARE MODE");
    ASSERT_TRUE(ok(predecessor.put({rec(0, 1, 2, event(2)), rec(0, 2, 3, event(3))})));
    ASSERT_TRUE(waits_for_lock(connector, "relation")) << "the predecessor's batch never reached the locked table";

    std::vector<int64_t> resumed;
    std::string claim_error;
    std::thread claimer([&] {
        try {
            resumed = assign(successor, {0});
        } catch (const std::exception& error) {
            claim_error = error.what();
        }
    });
    const bool claim_waited = waits_for_lock(connector, "advisory");
    blocker.run("COMMIT");
    claimer.join();
    EXPECT_TRUE(claim_waited) << "the claim did not wait for the partition's lock";
    EXPECT_EQ(claim_error, "");
    EXPECT_EQ(resumed, (std::vector<int64_t>{3})) << "the claim returns what the batch in flight stored";
    EXPECT_TRUE(ok(predecessor.pre_commit())) << "its batch in flight committed before the claim";
    EXPECT_EQ(count("events"), "3");
    const Status fenced = applied(predecessor, {rec(0, 3, 4, event(4))});
    EXPECT_TRUE(fenced.fatal()) << fenced;
    EXPECT_EQ(count("events"), "3");
    ASSERT_TRUE(ok(applied(successor, {rec(0, 3, 4, event(4))})));
    EXPECT_EQ(count("events"), "4");
    EXPECT_EQ(stored_offset(0, connector), "4");
}

// A predecessor that stops in the middle of a transaction (frozen, cut off: here its batch waits on
// a table another session keeps locked) would hold its partition until it came back: the claim
// waits kClaimPatience (10 s) for the partition's lock, then ends the session holding it. The
// predecessor's batch rolls back, and when it tries again it is fenced; the successor writes.
TEST_F(SinkPostgres, AClaimEndsTheSessionOfAPredecessorThatHoldsThePartitionPastItsPatience) {
    const std::string connector = "claim-takes-over";
    SinkTask predecessor(sink_postgres(), config(), as(connector));
    ASSERT_TRUE(ok(predecessor.start()));
    assign(predecessor, {0});
    ASSERT_TRUE(ok(applied(predecessor, {rec(0, 0, 1, event(1))})));
    SinkTask successor(sink_postgres(), config(), as(connector));
    ASSERT_TRUE(ok(successor.start()));
    Db blocker(test_dsn());
    blocker.run("BEGIN");
    blocker.run("LOCK TABLE " + events_table() + " IN SHARE MODE");
    ASSERT_TRUE(ok(predecessor.put({rec(0, 1, 2, event(2)), rec(0, 2, 3, event(3))})));
    ASSERT_TRUE(waits_for_lock(connector, "relation")) << "the predecessor's batch never reached the locked table";

    const auto claim_started = std::chrono::steady_clock::now();
    EXPECT_EQ(assign(successor, {0}), (std::vector<int64_t>{1})) << "the claim returns the last committed offset";
    // The patience is sink_postgres's kClaimPatience.
    EXPECT_GE(std::chrono::steady_clock::now() - claim_started, std::chrono::seconds(10)) << "the claim did not wait first";
    blocker.run("COMMIT");
    const Status fenced = predecessor.pre_commit();
    EXPECT_TRUE(fenced.fatal()) << fenced;
    EXPECT_EQ(count("events"), "1") << "the predecessor's batch in flight rolled back";
    ASSERT_TRUE(ok(applied(successor, {rec(0, 1, 2, event(2)), rec(0, 2, 3, event(3))})));
    EXPECT_EQ(count("events"), "3");
    EXPECT_EQ(stored_offset(0, connector), "3");
}

// A claim of a partition that has no stored offset stores none (the row holds only its epoch): it
// is neither listed nor returned as an offset, and a reset forgets the row with its epoch.
TEST_F(SinkPostgres, AClaimStoresNoOffsetAndOffsetsOperationsIgnoreIt) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    EXPECT_EQ(assign(task, {0, 1}), (std::vector<int64_t>{INGEST_OFFSET_NONE, INGEST_OFFSET_NONE}));
    EXPECT_EQ(db->value("SELECT next_offset, epoch FROM " + schema + ".ingest_offsets WHERE kafka_partition = 1"),
              "<null>|1");
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1))})));
    Offsets listed;
    ASSERT_TRUE(ok(task.list_offsets(listed)));
    EXPECT_EQ(listed, (Offsets{{{kTopic, 0}, 1}}));
    ASSERT_TRUE(ok(task.close()));
    ASSERT_TRUE(ok(task.alter_offsets({{{kTopic, 0}, INGEST_OFFSET_NONE}, {{kTopic, 2}, 7}})));
    Offsets after_reset;
    ASSERT_TRUE(ok(task.list_offsets(after_reset)));
    EXPECT_EQ(after_reset, (Offsets{{{kTopic, 2}, 7}}));
    EXPECT_EQ(epoch(0), "<no rows>");
    EXPECT_EQ(epoch(2), "0") << "setting an offset claims nothing";
    EXPECT_EQ(assign(task, {0, 1, 2}), (std::vector<int64_t>{INGEST_OFFSET_NONE, INGEST_OFFSET_NONE, 7}));
    EXPECT_EQ(epoch(0), "1");
    EXPECT_EQ(epoch(1), "2");
    EXPECT_EQ(epoch(2), "1");
}

// The offsets table of a version before fencing (no epoch, next_offset NOT NULL) is upgraded at
// start with auto.create, its stored offsets kept; without auto.create the task says what to run.
TEST_F(SinkPostgres, AnOffsetsTableWithoutEpochsIsUpgradedAtStart) {
    db->run("CREATE SCHEMA " + schema);
    db->run("CREATE TABLE " + schema + ".ingest_offsets (connector text NOT NULL, topic text NOT NULL,"
            " kafka_partition integer NOT NULL, next_offset bigint NOT NULL, updated_at timestamptz NOT NULL"
            " DEFAULT now(), PRIMARY KEY (connector, topic, kafka_partition))");
    db->run("INSERT INTO " + schema + ".ingest_offsets (connector, topic, kafka_partition, next_offset)"
            " VALUES ('test-connector', 'user-events', 0, 5)");
    {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
        EXPECT_TRUE(creator.host().logged("sink_postgres created column epoch of \"" + schema + "\".\"ingest_offsets\""));
    }
    EXPECT_EQ(db->value("SELECT attname || ':' || attnotnull || ':' || pg_get_expr(adbin, adrelid) FROM pg_attribute"
                        " JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum WHERE attrelid = '" + schema +
                        ".ingest_offsets'::regclass AND attname = 'epoch'"),
              "epoch:true:0");
    EXPECT_EQ(db->value("SELECT attnotnull FROM pg_attribute WHERE attrelid = '" + schema +
                        ".ingest_offsets'::regclass AND attname = 'next_offset'"),
              "f");
    EXPECT_EQ(epoch(0), "0");
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    EXPECT_FALSE(task.host().logged("created column epoch")) << "upgraded once";
    EXPECT_EQ(assign(task, {0, 1}), (std::vector<int64_t>{5, INGEST_OFFSET_NONE}));
    EXPECT_EQ(epoch(0), "1");
    ASSERT_TRUE(ok(applied(task, {rec(0, 5, 1, event(1)), rec(1, 0, 2, event(2))})));
    EXPECT_EQ(stored_offset(0), "6");
    EXPECT_EQ(stored_offset(1), "1");
}

TEST_F(SinkPostgres, AnOffsetsTableWithoutEpochsIsNotAlteredWithoutAutoCreate) {
    {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
    }
    db->run("ALTER TABLE " + schema + ".ingest_offsets DROP COLUMN epoch");
    SinkTask task(sink_postgres(), config({{"auto.create", "false"}}));
    const Status status = task.start();
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(status.message.find("ALTER TABLE \"" + schema + "\".\"ingest_offsets\" ADD COLUMN IF NOT EXISTS epoch "
                                  "bigint NOT NULL DEFAULT 0"),
              std::string::npos)
        << status.message;
    EXPECT_EQ(status.message.find("DROP NOT NULL"), std::string::npos) << status.message;
    EXPECT_EQ(db->value("SELECT count(*) FROM pg_attribute WHERE attrelid = '" + schema +
                        ".ingest_offsets'::regclass AND attname = 'epoch' AND NOT attisdropped"),
              "0");
}

TEST_F(SinkPostgres, MissingTableWithoutAutoCreateIsFatalAndNamesIt) {
    db->run("CREATE SCHEMA " + schema);
    SinkTask task(sink_postgres(), config({{"auto.create", "false"}}));
    const Status status = task.start();
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("\"" + schema + "\".\"events\" does not exist"), std::string::npos) << error;
}

TEST_F(SinkPostgres, MissingColumnWithoutAutoCreateIsFatalWithSqlstate) {
    db->run("CREATE SCHEMA " + schema);
    db->run("CREATE TABLE " + schema + ".events (event_id uuid PRIMARY KEY, user_id text)");
    db->run("CREATE TABLE " + schema + ".events_deletions (event_id uuid PRIMARY KEY, kafka_partition int, kafka_offset bigint)");
    db->run("CREATE TABLE " + schema + ".ingest_offsets (connector text, topic text, kafka_partition int, next_offset bigint, updated_at timestamptz default now(), epoch bigint NOT NULL DEFAULT 0, PRIMARY KEY (connector, topic, kafka_partition))");
    SinkTask task(sink_postgres(), config({{"auto.create", "false"}}));
    const Status status = task.start();
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("42703"), std::string::npos) << error;
}

TEST_F(SinkPostgres, UnreachableDatabaseIsFatalWithPasswordMasked) {
    SinkTask task(sink_postgres(),
                  config({{"connection.dsn", "host=127.0.0.1 port=1 user=x password=s3cret dbname=y connect_timeout=2"}}));
    const Status status = task.start();
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
    EXPECT_NE(error.find("password=****"), std::string::npos) << error;
    EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
}

TEST_F(SinkPostgres, PermissionDeniedIsFatalWithSqlstate) {
    // A role that may read the sink's tables but not write them.
    db->run("DROP ROLE IF EXISTS sinktest_reader");
    db->run("CREATE ROLE sinktest_reader LOGIN");
    {
        SinkTask owner(sink_postgres(), config());
        ASSERT_TRUE(ok(owner.start()));
    }
    db->run("GRANT USAGE ON SCHEMA " + schema + " TO sinktest_reader");
    db->run("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO sinktest_reader");
    std::string dsn = dsn_as_user(test_dsn(), "sinktest_reader");
    {
        SinkTask task(sink_postgres(), config({{"connection.dsn", dsn}}));
        ASSERT_TRUE(ok(task.start()));
        // Claiming a partition (open()) already writes its offsets row.
        Offsets stored;
        const Status status = task.open({{kTopic, 0}}, &stored);
        const std::string& error = status.message;
        EXPECT_TRUE(status.fatal()) << status;
        EXPECT_NE(error.find("42501"), std::string::npos) << error;
        EXPECT_NE(error.find("claiming the partition in \"" + schema + "\".\"ingest_offsets\" (needs INSERT and UPDATE)"),
                  std::string::npos)
            << error;
    }
    db->run("DROP OWNED BY sinktest_reader");
    db->run("DROP ROLE sinktest_reader");
}

TEST_F(SinkPostgres, LostConnectionIsRetriedOnAFreshOne) {
    SinkTask task(sink_postgres(), config(), as("reconnect-connector"));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1))})));
    db->run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'ingest/reconnect-connector'");
    ASSERT_TRUE(ok(applied(task, {rec(0, 1, 2, event(2))})));
    EXPECT_EQ(count("events"), "2");
    EXPECT_EQ(stored_offset(0, "reconnect-connector"), "2");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["retries"], "1");
}

// A deferred trigger makes COMMIT itself fail: the batch's rows were written, the offsets too,
// and then the transaction dies. Nothing of it may remain, and the retry applies it once.
class FailingCommit : public SinkPostgres {
   protected:
    void arm(const std::string& sqlstate, int failures) {
        db->run("CREATE SCHEMA " + schema);
        db->run("CREATE SEQUENCE " + schema + ".failures");
        db->run("CREATE FUNCTION " + schema + ".fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN IF nextval('" + schema + ".failures') <= " + std::to_string(failures) +
                " THEN RAISE EXCEPTION 'injected failure at commit' USING ERRCODE = '" + sqlstate +
                "'; END IF; RETURN NULL; END $$");
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
        // Fires at a batch's COMMIT (it stores an offset), not at a claim's (open(): no offset
        // stored, or only the epoch updated).
        db->run("CREATE CONSTRAINT TRIGGER fail_commit AFTER INSERT OR UPDATE OF next_offset ON " + schema +
                ".ingest_offsets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.next_offset IS NOT NULL)"
                " EXECUTE FUNCTION " + schema + ".fail_commit()");
    }
};

TEST_F(FailingCommit, TransientFailureAtCommitIsRetriedAndAppliedOnce) {
    arm("40001", 2);
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 1, event(1, 1)), rec(0, 2, 2, std::nullopt)})));
    EXPECT_EQ(db->value("SELECT revision FROM " + events_table()), "1");
    EXPECT_EQ(count("events_deletions"), "1");
    EXPECT_EQ(stored_offset(0), "3");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["retries"], "2");
    EXPECT_EQ(counters["inserted"], "1");
    EXPECT_EQ(counters["updated"], "1");
}

// Past retry.max the task fails (the runner shows it FAILED and restarts it), leaving nothing of
// the batch; the restarted task applies it.
TEST_F(FailingCommit, RetriesExhaustedFailTheTaskAndLeaveNothing) {
    arm("40P01", 3);
    const std::vector<Record> batch = {rec(0, 0, 1, event(1)), rec(0, 1, 2, "garbage")};
    {
        SinkTask task(sink_postgres(), config({{"retry.max", "2"}}));
        ASSERT_TRUE(ok(task.start()));
        assign(task, {0});
        const Status status = applied(task, batch);
        const std::string& error = status.message;
        EXPECT_TRUE(status.fatal()) << status;
        EXPECT_NE(error.find("40P01"), std::string::npos) << error;
        EXPECT_NE(error.find("still failing after 2 retries (retry.max)"), std::string::npos) << error;
        EXPECT_EQ(count("events"), "0");
        EXPECT_EQ(stored_offset(0), "<no rows>");
    }
    SinkTask restarted(sink_postgres(), config({{"retry.max", "2"}}));
    ASSERT_TRUE(ok(restarted.start()));
    assign(restarted, {0});
    ASSERT_TRUE(ok(applied(restarted, batch)));
    EXPECT_EQ(count("events"), "1");
    EXPECT_EQ(stored_offset(0), "2");
}

TEST_F(FailingCommit, PermanentFailureAtCommitIsFatalAndLeavesNothing) {
    arm("P0001", 1000);
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    const Status status = applied(task, {rec(0, 0, 1, event(1))});
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("P0001"), std::string::npos) << error;
    EXPECT_NE(error.find("injected failure at commit"), std::string::npos) << error;
    EXPECT_EQ(count("events"), "0");
    EXPECT_EQ(stored_offset(0), "<no rows>");
}

// A COMMIT that fails after the refused records' dead letters were confirmed: the retry finds
// them again and does not send them twice.
TEST_F(FailingCommit, ARefusedRecordIsDeadLetteredOnceWhenTheCommitIsRetried) {
    arm("40001", 1);
    db->run("ALTER TABLE " + events_table() + " ADD CONSTRAINT no_forbidden CHECK (event_type <> 'forbidden')");
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event_of_type(2, "forbidden")), rec(0, 2, 3, event(3))})));
    EXPECT_EQ(count("events"), "2");
    EXPECT_EQ(stored_offset(0), "3");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 1u);
    expect_refused(letters[0], "23514");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["retries"], "1");
    EXPECT_EQ(counters["refused"], "1");
    EXPECT_EQ(counters["dead_letters"], "1");
}

// statement_timeout cancelling every attempt (57014, raised here at COMMIT): past retry.max the task
// fails saying how to give a batch more time or make it smaller.
TEST_F(FailingCommit, StatementTimeoutsOutlastingRetriesSayWhatToDo) {
    arm("57014", 1000);
    SinkTask task(sink_postgres(), config({{"retry.max", "1"}}));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    const Status status = applied(task, {rec(0, 0, 1, event(1))});
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("still failing after 1 retries (retry.max): SQLSTATE 57014: injected failure at commit. "
                         "Every attempt was cancelled (57014: statement_timeout"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find(" SET statement_timeout = '5min') or the database (ALTER DATABASE "), std::string::npos)
        << error;
    EXPECT_NE(error.find("or lower the connector's batch.max.records"), std::string::npos) << error;
    EXPECT_NE(error.find("`ingest connectors restart`)."), std::string::npos) << "not cut short: " << error;
    EXPECT_EQ(count("events"), "0");
}

// A data error at COMMIT (a deferred constraint) belongs to no single record: the task fails and
// nothing of the batch is written or dead-lettered.
TEST_F(FailingCommit, ADataErrorAtCommitFailsTheTask) {
    arm("23514", 1000);
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    const Status status = applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2))});
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("SQLSTATE 23514"), std::string::npos) << error;
    EXPECT_EQ(count("events"), "0");
    EXPECT_EQ(stored_offset(0), "<no rows>");
    EXPECT_TRUE(task.host().dead_letters().empty());
}

// Two writers, two partitions in two groups: the COMMIT of one group fails once (transient), the
// other's goes through. Only the failed group is written again; every record is counted once.
TEST_F(FailingCommit, OneGroupFailingAtCommitIsRetriedAloneAndCountedOnce) {
    arm("40001", 1);
    SinkTask task(sink_postgres(), config({{"writers", "2"}}));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0, 1});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(1, 0, 2, event(2)), rec(0, 1, 3, event(3)),
                                  rec(1, 1, 4, event(4)), rec(1, 2, 2, event(2, 1))})));
    EXPECT_EQ(count("events"), "4");
    EXPECT_EQ(stored_offset(0), "2");
    EXPECT_EQ(stored_offset(1), "3");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["retries"], "1");
    EXPECT_EQ(counters["inserted"], "4");
    EXPECT_EQ(counters["updated"], "1");
    EXPECT_EQ(counters["already_applied"], "0") << "the committed group is not written again";
    EXPECT_EQ(counters["batches"], "1");
}

// put() returns before its batch is written; the next put() waits for it first. A batch that
// fails after put() accepted it fails the task at the next call, which leaves nothing of it: the
// restarted task resumes from the stored offsets.
TEST_F(FailingCommit, AnAcceptedBatchThatFailsFailsTheNextCall) {
    arm("P0001", 1);
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(task.put({rec(0, 0, 1, event(1))})));
    const Status status = task.put({rec(0, 1, 2, event(2))});
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(status.message.find("injected failure at commit"), std::string::npos) << status;
    EXPECT_EQ(count("events"), "0");
    EXPECT_EQ(stored_offset(0), "<no rows>");
}

// The same when the runner closes the partitions in between (a rebalance): close() cannot fail the
// task, so the next put() does, naming the batch that was given up.
TEST_F(FailingCommit, AnAcceptedBatchGivenUpAtCloseFailsTheNextPut) {
    arm("P0001", 1);
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(task.put({rec(0, 0, 1, event(1))})));
    task.close();
    assign(task, {0});
    const Status status = task.put({rec(0, 0, 1, event(1))});
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(status.message.find("could not be written"), std::string::npos) << status;
    EXPECT_EQ(count("events"), "0");
}

// Batches put one after the other are written one after the other; stop() waits for the last.
TEST_F(SinkPostgres, StopWaitsForTheBatchInFlight) {
    SinkTask task(sink_postgres(), config());
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0, 1});
    ASSERT_TRUE(ok(task.put({rec(0, 0, 1, event(1)), rec(1, 0, 2, event(2))})));
    ASSERT_TRUE(ok(task.put({rec(0, 1, 1, event(1, 1)), rec(1, 1, 3, event(3))})));
    ASSERT_TRUE(ok(task.put({rec(0, 2, 1, std::nullopt), rec(1, 2, 4, event(4))})));
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["inserted"], "4");
    EXPECT_EQ(counters["updated"], "1");
    EXPECT_EQ(counters["deleted"], "1");
    EXPECT_EQ(counters["batches"], "3");
    EXPECT_EQ(count("events"), "3");
    EXPECT_EQ(stored_offset(0), "3");
    EXPECT_EQ(stored_offset(1), "3");
}

TEST_F(SinkPostgres, DailyPartitionsAreCreatedOnDemandAndDedupHolds) {
    SinkTask task(sink_postgres(), config({{"partitioning", "daily"}}));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1, 0, true, "2026-11-25T23:59:59.999999Z")),
                            rec(0, 1, 2, event(2, 0, true, "2026-11-26T00:00:00Z")),
                            rec(0, 2, 3, event(3, 0, true, "2026-11-25T10:00:00Z"))})));
    EXPECT_EQ(db->rows("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                       " WHERE i.inhparent = '" + schema + ".events'::regclass ORDER BY 1"),
              (std::vector<std::string>{"events_p20261125", "events_p20261126"}));
    // Duplicate with another event_time, a correction moving the event to another day, and a
    // deletion followed by a late version.
    ASSERT_TRUE(ok(applied(task, {rec(0, 3, 1, event(1, 0, true, "2026-11-27T00:00:00Z")),
                            rec(0, 4, 2, event(2, 1, false, "2026-11-24T12:00:00Z")),
                            rec(0, 5, 3, std::nullopt), rec(0, 6, 3, event(3, 4))})));
    EXPECT_EQ(db->rows("SELECT event_id, (event_time AT TIME ZONE 'UTC')::text, revision, is_valid FROM " +
                       events_table() + " ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1) + "|2026-11-25 23:59:59.999999|0|t",
                                        uuid_for(2) + "|2026-11-24 12:00:00|1|f"}));
    EXPECT_EQ(db->rows("SELECT event_id, revision FROM " + schema + ".events_keys ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1) + "|0", uuid_for(2) + "|1"}));
    EXPECT_EQ(count("events_deletions"), "1");
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["duplicates"], "1");
    EXPECT_EQ(counters["updated"], "1");
    EXPECT_EQ(counters["suppressed_after_delete"], "1");
}

// With daily partitions the keys table is written beside the events: a refused record leaves
// neither a row nor a key.
TEST_F(SinkPostgres, DailyPartitionsIsolateARefusedRecordToo) {
    {
        SinkTask creator(sink_postgres(), config({{"partitioning", "daily"}}));
        ASSERT_TRUE(ok(creator.start()));
        db->run("ALTER TABLE " + events_table() + " ADD CONSTRAINT no_forbidden CHECK (event_type <> 'forbidden')");
    }
    SinkTask task(sink_postgres(), config({{"partitioning", "daily"}}));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2)),
                            rec(0, 2, 1, event(1, 1, true, "2026-11-27T00:00:00Z")),
                            rec(0, 3, 3, event_of_type(3, "forbidden")),
                            rec(0, 4, 2, event_of_type(2, "forbidden", 1))})));
    EXPECT_EQ(db->rows("SELECT event_id, revision, (event_time AT TIME ZONE 'UTC')::date::text FROM " +
                       events_table() + " ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1) + "|1|2026-11-27", uuid_for(2) + "|0|2026-11-25"}));
    EXPECT_EQ(db->rows("SELECT event_id, revision FROM " + schema + ".events_keys ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1) + "|1", uuid_for(2) + "|0"}));
    EXPECT_EQ(stored_offset(0), "5");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 2u);
    EXPECT_EQ(letters[0].record.offset, 3);
    EXPECT_EQ(letters[1].record.offset, 4);
    for (const DeadLetter& letter : letters) expect_refused(letter, "23514");
}

// Another writer of the events table racing the sink outside its partition locks: a trigger of
// the day's partition inserts the sink's row itself, once, just before the sink's own insert, which
// the partition's primary key then refuses (23505). That partition was created after the sink
// read its own keys at start: the sink reads them again, finds the partition's key among them
// (conparentid), and retries instead of dead-lettering. The racer's row went with the rolled-back
// attempt, so the retry inserts.
TEST_F(SinkPostgres, ARaceOnADailyPartitionsOwnKeyIsRetriedNotDeadLettered) {
    SinkTask task(sink_postgres(), config({{"partitioning", "daily"}}));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    db->run("CREATE TABLE " + schema + ".events_p20261125 PARTITION OF " + events_table() +
            " FOR VALUES FROM ('2026-11-25 00:00:00+00') TO ('2026-11-26 00:00:00+00')");
    db->run("CREATE SEQUENCE " + schema + ".races");
    db->run("CREATE FUNCTION " + schema + ".race() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN IF nextval('" + schema + ".races') = 1 THEN"
            " INSERT INTO " + events_table() + " (event_id, user_id, event_type, event_time, received_time,"
            " is_valid, revision, kafka_partition, kafka_offset) VALUES (NEW.event_id, 'racer', NEW.event_type,"
            " NEW.event_time, NEW.received_time, NEW.is_valid, NEW.revision, NEW.kafka_partition, NEW.kafka_offset);"
            " END IF; RETURN NEW; END $$");
    db->run("CREATE TRIGGER race BEFORE INSERT ON " + schema + ".events_p20261125 FOR EACH ROW EXECUTE FUNCTION " +
            schema + ".race()");
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2))})));
    EXPECT_EQ(db->value("SELECT nextval('" + schema + ".races')"), "5")
        << "the trigger ran for the sink's first row and the racer's, then for both rows of the retry";
    EXPECT_EQ(db->rows("SELECT event_id, user_id FROM " + events_table() + " ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1) + "|user-1", uuid_for(2) + "|user-1"}));
    EXPECT_EQ(db->rows("SELECT event_id, revision FROM " + schema + ".events_keys ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1) + "|0", uuid_for(2) + "|0"}));
    EXPECT_EQ(stored_offset(0), "2");
    EXPECT_TRUE(task.host().dead_letters().empty());
    size_t race_warnings = 0;
    for (const auto& [level, message] : task.host().logs())
        if (message.find("retry 1/") != std::string::npos &&
            message.find("SQLSTATE 23505: duplicate key value violates unique constraint \"events_p20261125_pkey\"") !=
                std::string::npos)
            ++race_warnings;
    EXPECT_EQ(race_warnings, 1u);
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["retries"], "1");
    EXPECT_EQ(counters["inserted"], "2");
    EXPECT_EQ(counters["refused"], "0");
}

// The partitions of a user's unique index are not the sink's keys: with daily partitions too, the
// record it refuses is dead-lettered alone.
TEST_F(SinkPostgres, DailyPartitionsDeadLetterARecordAUsersUniqueIndexRefuses) {
    {
        SinkTask creator(sink_postgres(), config({{"partitioning", "daily"}}));
        ASSERT_TRUE(ok(creator.start()));
    }
    // A unique index of a partitioned table must hold its partition key (event_time).
    db->run("CREATE UNIQUE INDEX one_event_per_user_and_time ON " + events_table() + " (user_id, event_time)");
    SinkTask task(sink_postgres(), config({{"partitioning", "daily"}}));
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0});
    ASSERT_TRUE(ok(applied(task, {rec(0, 0, 1, event(1)), rec(0, 1, 2, event(2, 0, true, "2026-11-26T08:00:00Z")),
                            rec(0, 2, 3, event(3)), rec(0, 3, 4, event(4, 0, true, "2026-11-25T09:00:00Z"))})));
    EXPECT_EQ(db->rows("SELECT event_id FROM " + events_table() + " ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1), uuid_for(2), uuid_for(4)}));
    EXPECT_EQ(db->rows("SELECT event_id FROM " + schema + ".events_keys ORDER BY 1"),
              (std::vector<std::string>{uuid_for(1), uuid_for(2), uuid_for(4)}));
    EXPECT_EQ(stored_offset(0), "4");
    const auto& letters = task.host().dead_letters();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].record.offset, 2);
    expect_refused(letters[0], "23505");
    EXPECT_NE(letters[0].reason.find("events_p20261125_user_id_event_time_idx"), std::string::npos)
        << letters[0].reason;
    auto counters = stop_summary(task);
    EXPECT_EQ(counters["retries"], "0");
    EXPECT_EQ(counters["refused"], "1");
}

TEST_F(SinkPostgres, PartitioningMismatchIsFatal) {
    {
        SinkTask plain(sink_postgres(), config());
        ASSERT_TRUE(ok(plain.start()));
    }
    SinkTask task(sink_postgres(), config({{"partitioning", "daily"}}));
    const Status status = task.start();
    const std::string& error = status.message;
    EXPECT_TRUE(status.fatal()) << status;
    EXPECT_NE(error.find("not partitioned"), std::string::npos) << error;
}

// ---- throughput: the sink against a plain COPY of the same rows ------------------------------

TEST_F(SinkPostgres, ThroughputAgainstPlainCopy) {
    const char* records_env = std::getenv("INGEST_PG_BENCH_RECORDS");
    if (!records_env) GTEST_SKIP() << "set INGEST_PG_BENCH_RECORDS=N to run";
    const int total = std::atoi(records_env);
    // The runner's default batch.max.records, and the sink's default writers, unless given.
    const char* batch_env = std::getenv("INGEST_PG_BENCH_BATCH");
    const int batch_size = batch_env ? std::atoi(batch_env) : 20000;
    const char* writers_env = std::getenv("INGEST_PG_BENCH_WRITERS");
    const Config sink_config = writers_env ? config({{"writers", writers_env}}) : config();

    // The same rows for both: JSON values for the sink, COPY text lines for the plain COPY.
    std::vector<std::string> keys, values, copy_lines;
    std::mt19937_64 random(42);
    for (int i = 0; i < total; ++i) {
        char id[40];
        std::snprintf(id, sizeof(id), "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(random()),
                      static_cast<unsigned>(random() & 0xffff), static_cast<unsigned>(random() & 0xfff),
                      static_cast<unsigned>(random() & 0xfff),
                      static_cast<unsigned long long>(random() & 0xffffffffffffULL));
        const unsigned long long user = random() % 100000;
        const int minute = static_cast<int>(random() % 60), second = static_cast<int>(random() % 60);
        const int micros = static_cast<int>(random() % 1000000);
        char value[400], line[300];
        std::snprintf(value, sizeof(value),
                      R"({"event_id":"%s","user_id":"user-%llu","event_type":"page_view",)"
                      R"("event_time":"2026-11-25T08:%02d:%02d.%06dZ","received_time":"2026-11-25T08:%02d:%02d.5Z",)"
                      R"("is_valid":true,"revision":0})",
                      id, user, minute, second, micros, minute, second);
        std::snprintf(line, sizeof(line),
                      "%s\tuser-%llu\tpage_view\t2026-11-25 08:%02d:%02d.%06d+00\t2026-11-25 08:%02d:%02d.5+00"
                      "\tt\t0\t%d\t%d\n",
                      id, user, minute, second, micros, minute, second, i % 6, i / 6);
        keys.push_back(id);
        values.push_back(value);
        copy_lines.push_back(line);
    }

    // Plain COPY (text format, as a bench script would feed it) into a fresh copy of the table.
    {
        SinkTask creator(sink_postgres(), config());
        ASSERT_TRUE(ok(creator.start()));
    }
    db->run("CREATE TABLE " + schema + ".copy_target (LIKE " + schema + ".events INCLUDING ALL)");
    db->run("CHECKPOINT");
    // One COPY payload per batch, prepared before the clock starts.
    std::vector<std::string> copy_batches;
    for (int start = 0; start < total; start += batch_size) {
        std::string text;
        for (int i = start; i < std::min(total, start + batch_size); ++i) text += copy_lines[i];
        copy_batches.push_back(std::move(text));
    }
    const std::string copy_command = "COPY " + schema +
                                     ".copy_target (event_id, user_id, event_type, event_time,"
                                     " received_time, is_valid, revision, kafka_partition,"
                                     " kafka_offset) FROM STDIN";
    const auto copy_started = std::chrono::steady_clock::now();
    for (const std::string& text : copy_batches) {
        // Same batching as the sink: one transaction per batch.
        db->run("BEGIN");
        std::unique_ptr<PGresult, decltype(&PQclear)> begin(PQexec(db->raw(), copy_command.c_str()), &PQclear);
        ASSERT_EQ(PQresultStatus(begin.get()), PGRES_COPY_IN);
        ASSERT_EQ(PQputCopyData(db->raw(), text.data(), static_cast<int>(text.size())), 1);
        ASSERT_EQ(PQputCopyEnd(db->raw(), nullptr), 1);
        std::unique_ptr<PGresult, decltype(&PQclear)> done(PQgetResult(db->raw()), &PQclear);
        ASSERT_EQ(PQresultStatus(done.get()), PGRES_COMMAND_OK) << PQerrorMessage(db->raw());
        while (PGresult* extra = PQgetResult(db->raw())) PQclear(extra);
        db->run("COMMIT");
    }
    const double copy_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - copy_started).count();
    EXPECT_EQ(db->value("SELECT count(*) FROM " + schema + ".copy_target"), std::to_string(total));

    // The same rows in COPY's binary format (what the sink sends), batch by batch, read back from
    // the table just written, into another fresh copy of it.
    std::vector<std::string> binary_batches;
    for (int start = 0; start < total; start += batch_size) {
        const std::string out = "COPY (SELECT event_id, user_id, event_type, event_time, received_time, is_valid,"
                                " revision, kafka_partition, kafka_offset FROM " + schema +
                                ".copy_target ORDER BY kafka_offset, kafka_partition LIMIT " +
                                std::to_string(batch_size) + " OFFSET " + std::to_string(start) +
                                ") TO STDOUT (FORMAT binary)";
        std::unique_ptr<PGresult, decltype(&PQclear)> begin(PQexec(db->raw(), out.c_str()), &PQclear);
        ASSERT_EQ(PQresultStatus(begin.get()), PGRES_COPY_OUT) << PQerrorMessage(db->raw());
        std::string data;
        char* chunk = nullptr;
        for (int size; (size = PQgetCopyData(db->raw(), &chunk, 0)) > 0; PQfreemem(chunk)) data.append(chunk, size);
        while (PGresult* extra = PQgetResult(db->raw())) PQclear(extra);
        binary_batches.push_back(std::move(data));
    }
    db->run("CREATE TABLE " + schema + ".binary_target (LIKE " + schema + ".events INCLUDING ALL)");
    db->run("CHECKPOINT");
    const std::string binary_command = "COPY " + schema +
                                       ".binary_target (event_id, user_id, event_type, event_time,"
                                       " received_time, is_valid, revision, kafka_partition,"
                                       " kafka_offset) FROM STDIN (FORMAT binary)";
    const auto binary_started = std::chrono::steady_clock::now();
    for (const std::string& data : binary_batches) {
        db->run("BEGIN");
        std::unique_ptr<PGresult, decltype(&PQclear)> begin(PQexec(db->raw(), binary_command.c_str()), &PQclear);
        ASSERT_EQ(PQresultStatus(begin.get()), PGRES_COPY_IN);
        ASSERT_EQ(PQputCopyData(db->raw(), data.data(), static_cast<int>(data.size())), 1);
        ASSERT_EQ(PQputCopyEnd(db->raw(), nullptr), 1);
        std::unique_ptr<PGresult, decltype(&PQclear)> done(PQgetResult(db->raw()), &PQclear);
        ASSERT_EQ(PQresultStatus(done.get()), PGRES_COMMAND_OK) << PQerrorMessage(db->raw());
        while (PGresult* extra = PQgetResult(db->raw())) PQclear(extra);
        db->run("COMMIT");
    }
    const double binary_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - binary_started).count();
    EXPECT_EQ(db->value("SELECT count(*) FROM " + schema + ".binary_target"), std::to_string(total));

    // The textbook alternative, for comparison: COPY into a temp staging table, then one
    // INSERT ... ON CONFLICT merge per batch (counts via xmax), same rows, same batches.
    db->run("CREATE TABLE " + schema + ".merge_target (LIKE " + schema + ".events INCLUDING ALL)");
    db->run("CREATE TEMP TABLE staging (event_id uuid, user_id text, event_type text, event_time timestamptz,"
            " received_time timestamptz, is_valid bool, revision int, kafka_partition int,"
            " kafka_offset bigint) ON COMMIT DELETE ROWS");
    db->run("CHECKPOINT");
    const std::string merge_sql =
        "WITH merged AS (INSERT INTO " + schema + ".merge_target (event_id, user_id, event_type, event_time,"
        " received_time, is_valid, revision, kafka_partition, kafka_offset) SELECT s.* FROM staging s"
        " WHERE NOT EXISTS (SELECT 1 FROM " + schema + ".events_deletions d WHERE d.event_id = s.event_id)"
        " ON CONFLICT (event_id) DO UPDATE SET user_id = EXCLUDED.user_id, event_type = EXCLUDED.event_type,"
        " event_time = EXCLUDED.event_time, received_time = EXCLUDED.received_time, is_valid = EXCLUDED.is_valid,"
        " revision = EXCLUDED.revision, kafka_partition = EXCLUDED.kafka_partition,"
        " kafka_offset = EXCLUDED.kafka_offset, ingested_at = now()"
        " WHERE merge_target.revision < EXCLUDED.revision RETURNING (xmax = 0) AS inserted)"
        " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged";
    const auto merge_started = std::chrono::steady_clock::now();
    for (const std::string& text : copy_batches) {
        db->run("BEGIN");
        std::unique_ptr<PGresult, decltype(&PQclear)> begin(
            PQexec(db->raw(), "COPY staging FROM STDIN"), &PQclear);
        ASSERT_EQ(PQresultStatus(begin.get()), PGRES_COPY_IN);
        ASSERT_EQ(PQputCopyData(db->raw(), text.data(), static_cast<int>(text.size())), 1);
        ASSERT_EQ(PQputCopyEnd(db->raw(), nullptr), 1);
        std::unique_ptr<PGresult, decltype(&PQclear)> done(PQgetResult(db->raw()), &PQclear);
        ASSERT_EQ(PQresultStatus(done.get()), PGRES_COMMAND_OK) << PQerrorMessage(db->raw());
        while (PGresult* extra = PQgetResult(db->raw())) PQclear(extra);
        db->run(merge_sql);
        db->run("COMMIT");
    }
    const double merge_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - merge_started).count();
    EXPECT_EQ(db->value("SELECT count(*) FROM " + schema + ".merge_target"), std::to_string(total));

    db->run("CHECKPOINT");
    SinkTask task(sink_postgres(), sink_config);
    ASSERT_TRUE(ok(task.start()));
    assign(task, {0, 1, 2, 3, 4, 5});
    // The batches as the runner would hand them over, prepared before the clock starts (each put
    // takes its batch).
    auto batches_of = [&](const std::vector<std::string>& of_values, int64_t first_offset) {
        std::vector<std::vector<Record>> batches;
        for (int start = 0; start < total; start += batch_size) {
            std::vector<Record> batch;
            for (int i = start; i < std::min(total, start + batch_size); ++i)
                batch.push_back(keyed(i % 6, first_offset + i / 6, keys[i], of_values[i]));
            batches.push_back(std::move(batch));
        }
        return batches;
    };
    auto batches = batches_of(values, 0);
    const auto sink_started = std::chrono::steady_clock::now();
    for (auto& batch : batches) ASSERT_TRUE(ok(task.put(std::move(batch))));
    ASSERT_TRUE(ok(task.pre_commit()));
    const double sink_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - sink_started).count();
    EXPECT_EQ(count("events"), std::to_string(total));

    std::printf("plain COPY (text, %d-row transactions): %d rows in %.3f s = %.0f rows/s\n", batch_size,
                total, copy_seconds, total / copy_seconds);
    std::printf("COPY (binary, %d-row transactions):     %d rows in %.3f s = %.0f rows/s\n", batch_size,
                total, binary_seconds, total / binary_seconds);
    std::printf("sink put (%d-record batches, writers %s): %d rows in %.3f s = %.0f rows/s\n", batch_size,
                writers_env ? writers_env : "default", total, sink_seconds, total / sink_seconds);
    std::printf("staging + ON CONFLICT merge (SQL only):  %d rows in %.3f s = %.0f rows/s\n", total,
                merge_seconds, total / merge_seconds);
    std::printf("ratio sink/COPY (text): %.2f, sink/COPY (binary): %.2f\n", copy_seconds / sink_seconds,
                binary_seconds / sink_seconds);

    // The update path: every event again as a correction (revision 1), in the same batches.
    std::vector<std::string> corrections;
    corrections.reserve(total);
    for (const std::string& value : values)
        corrections.push_back(value.substr(0, value.size() - 2) + "1}");
    batches = batches_of(corrections, (total + 5) / 6);
    const auto update_started = std::chrono::steady_clock::now();
    for (auto& batch : batches) ASSERT_TRUE(ok(task.put(std::move(batch))));
    ASSERT_TRUE(ok(task.pre_commit()));
    const double update_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - update_started).count();
    EXPECT_EQ(db->value("SELECT count(*) FROM " + events_table() + " WHERE revision = 1"),
              std::to_string(total));
    std::printf("sink put, all corrections:              %d rows in %.3f s = %.0f rows/s\n", total,
                update_seconds, total / update_seconds);
}

}  // namespace
