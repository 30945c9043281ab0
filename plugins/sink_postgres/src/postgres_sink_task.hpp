// The sink task: decodes each batch, dead-letters what breaks the data contract, and writes the
// rest with its offsets in one transaction, retrying transient database errors in place. Records
// PostgreSQL refuses (data errors) are dead-lettered with their SQLSTATE while the rest of their
// batch commits; configuration errors (privileges, tables, columns) fail the task at once, saying
// what to fix.
#pragma once

#include "batch_writer.hpp"
#include "settings.hpp"
#include "sink_counters.hpp"

#include <ingest/sdk.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ingest::plugins::sink_postgres {

class PostgresSinkTask final : public sdk::SinkTask {
   public:
    void start(const sdk::Config& config) override;
    std::optional<int64_t> open(sdk::TopicPartition partition) override;
    void put(std::span<const sdk::Record> records) override;
    void close(sdk::TopicPartition partition) override;
    std::vector<sdk::PartitionOffset> list_offsets() override;
    void alter_offsets(std::span<const sdk::PartitionOffset> offsets) override;
    void stop() override;

    const SinkCounters& counters() const { return counters_; }

   private:
    // What the task remembers about an assigned partition between batches.
    struct PartitionState {
        int64_t committed_next = -1;         // next offset known to be in the offsets table
        int64_t dead_lettered_through = -1;  // last malformed offset already sent to the dead-letter topic
        // Offsets of refused records whose dead letters are confirmed but whose batch has not
        // committed yet (a COMMIT that then failed): a retry finds them again and must not resend.
        std::set<int64_t> refused_sent;
    };
    using PartitionKey = std::pair<std::string, int32_t>;

    void connect();
    // Runs `action` (which uses the connection), retrying transient database errors with
    // backoff and a fresh connection when the old one broke. `retries` counts the retries so far
    // and is kept by the caller, so that a batch handed back to the runner and delivered again
    // goes on counting; success sets it to 0. Permanent errors, and still failing after retry.max
    // retries, become FatalError (the task fails). When the backoff would exceed `wait_budget` in
    // this call, or the host asks the task to stop, RetriableError hands the batch back.
    template <typename Action>
    void with_retries(const std::string& what, Action&& action, std::chrono::milliseconds wait_budget,
                      int& retries);

    // The error (of `kind`) as the task reports it: PostgreSQL's message, and for a configuration
    // error what the sink was doing and what to fix.
    std::string explain(const PgError& error, ErrorKind kind) const;
    // The connection's role as advice names it (quoted), or a placeholder before the first connection.
    std::string advice_role() const;

    uint32_t slot_for(const sdk::Record& record);
    void decode(std::span<const sdk::Record> records);
    void dead_letter_malformed(std::span<const sdk::Record> records);
    // Sends the records PostgreSQL refused to the dead-letter topic with their SQLSTATE and waits
    // for the broker's confirmation; called inside the batch's transaction, before its COMMIT.
    void dead_letter_refused(std::span<const sdk::Record> records, std::span<const RefusedRecord> refused);
    // Hands the counters to the host's metrics (every call) and the log (now and then).
    void report_counters();

    Settings settings_;
    std::string display_dsn_;
    shared::user_events::EventDecoder decoder_;
    std::unique_ptr<PgConnection> conn_;
    std::unique_ptr<BatchWriter> writer_;
    std::unique_ptr<QuotedTables> quoted_;  // the tables' quoted names, from the first connection
    std::string role_;                      // the connection's user, quoted (for advice)
    std::string database_;                  // the connection's database, quoted (for advice)
    bool schema_ready_ = false;
    SinkCounters counters_;
    MetricsReporter metrics_;
    std::map<PartitionKey, PartitionState> partitions_;
    int batch_retries_ = 0;  // retries of the batch not yet written, across put() calls
    std::mt19937_64 random_{std::random_device{}()};
    std::chrono::steady_clock::time_point last_counters_log_ = std::chrono::steady_clock::now();

    // Per-batch working storage, reused.
    std::vector<Event> events_;
    StringArena arena_;
    std::vector<PartitionBatch> batch_partitions_;
    std::vector<PartitionState*> batch_states_;  // parallel to batch_partitions_
    std::vector<std::pair<uint32_t, std::string>> malformed_;  // record index, reason
};

}  // namespace ingest::plugins::sink_postgres
