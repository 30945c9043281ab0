#include "postgres_sink_task.hpp"

#include "error_advice.hpp"
#include "retry_policy.hpp"
#include "schema_setup.hpp"
#include "shared/pg/identifier.hpp"

#include <algorithm>

namespace ingest::plugins::sink_postgres {
namespace {

constexpr auto kCountersLogInterval = std::chrono::seconds(60);
// A refused record's dead letter: its reason is "refused_by_database: SQLSTATE <code>: <message>",
// and this header holds the bare SQLSTATE (after Kafka Connect's __connect.errors.* headers).
constexpr std::string_view kRefusedReasonCode = "refused_by_database";
constexpr const char* kSqlstateHeader = "ingest.errors.sqlstate";
// PostgreSQL's DETAIL can quote the whole row ("Failing row contains (...)"): a reason is cut to
// this many bytes, on a UTF-8 boundary.
constexpr size_t kMaxRefusalReason = 512;

std::string refusal_reason(const std::string& message) {
    std::string reason = std::string(kRefusedReasonCode) + ": " + message;
    if (reason.size() <= kMaxRefusalReason) return reason;
    size_t cut = kMaxRefusalReason;
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason.resize(cut);
    return reason + "...";
}
// Opening partitions happens inside the consumer's rebalance, which cannot be handed back: it waits
// as long as retry.max allows (a stop request still ends the wait).
constexpr auto kNoWaitBudget = std::chrono::milliseconds::max();

std::optional<std::string_view> optional_view(bool present, std::string_view bytes) {
    return present ? std::optional<std::string_view>(bytes) : std::nullopt;
}

}  // namespace

void PostgresSinkTask::start(const sdk::Config& config) {
    settings_ = read_settings(config, host().connector_name());
    display_dsn_ = shared::pg::masked_dsn(settings_.connection.dsn);
    writer_ = std::make_unique<BatchWriter>(settings_.tables, std::string(host().connector_name()));
    try {
        connect();
    } catch (const PgError& error) {
        // An unreachable or misconfigured database at start is an operator's problem to fix,
        // not something to wait out.
        throw sdk::FatalError("sink_postgres cannot start: " + explain(error, writer_->classify(error, conn_.get())));
    }
    host().info("sink_postgres connected to " + display_dsn_ + ", writing to " +
                settings_.tables.schema + "." + settings_.tables.events);
}

void PostgresSinkTask::connect() {
    conn_.reset();
    std::string storage;
    const shared::pg::ConnectParams params = shared::pg::connect_params(settings_.connection, storage);
    auto conn = std::make_unique<PgConnection>(params.keywords, params.values, display_dsn_);
    if (!quoted_) quoted_ = std::make_unique<QuotedTables>(conn->raw(), settings_.tables);
    if (const char* user = PQuser(conn->raw()); user && *user)
        role_ = shared::pg::quote_identifier(conn->raw(), user);
    if (const char* database = PQdb(conn->raw()); database && *database)
        database_ = shared::pg::quote_identifier(conn->raw(), database);
    if (!schema_ready_) {
        writer_->note_step(WriteStep::CreatingTables);
        for (const std::string& created : ensure_schema(*conn, *quoted_, settings_.auto_create))
            host().info("sink_postgres created " + created);
        schema_ready_ = true;
    }
    writer_->attach(*conn);
    conn_ = std::move(conn);
}

template <typename Action>
void PostgresSinkTask::with_retries(const std::string& what, Action&& action,
                                    std::chrono::milliseconds wait_budget, int& retries) {
    std::chrono::milliseconds waited{0};
    for (;; ++retries) {
        const int attempt = retries;
        try {
            if (!conn_) connect();
            action();
            retries = 0;
            return;
        } catch (const PgError& error) {
            if (conn_) {
                conn_->rollback_quietly();
                if (!conn_->healthy()) conn_.reset();
            }
            // Configuration errors, permanent ones, and data errors no single record explains (the
            // writer isolates those that one does; e.g. a user's deferred unique constraint failing
            // at COMMIT) fail the task at once.
            const ErrorKind kind = writer_->classify(error, conn_.get());
            if (kind != ErrorKind::Transient) throw sdk::FatalError(what + " failed: " + explain(error, kind));
            // Past its retries the task fails: the runner shows it FAILED with this message and
            // restarts it with its errors.restart.* backoff.
            if (attempt >= settings_.retry_max) {
                std::string message = what + " still failing after " + std::to_string(attempt) +
                                      " retries (retry.max): " + error.what();
                if (std::string advice = retries_exhausted_advice(error.sqlstate(), advice_role(), database_);
                    !advice.empty())
                    message += ". " + advice;
                throw sdk::FatalError(message);
            }
            const auto delay =
                backoff_delay(attempt, settings_.retry_backoff, settings_.retry_backoff_max,
                              std::uniform_real_distribution<double>(0.0, 1.0)(random_));
            if (delay > wait_budget - waited)
                throw sdk::RetriableError(what + " failed; handing it back to the runner after " +
                                          std::to_string(waited.count()) + " ms of retries: " + error.what());
            ++counters_.retries;
            host().warn(what + " failed, retry " + std::to_string(attempt + 1) + "/" +
                        std::to_string(settings_.retry_max) + " in " +
                        std::to_string(delay.count()) + " ms: " + error.what());
            if (!host().wait_unless_stopping(delay))
                throw sdk::RetriableError(what + " failed and the task is stopping: " + error.what());
            waited += delay;
        } catch (...) {
            // Never leave a transaction open behind an error: the next BEGIN would only warn
            // and the next batch would run inside it.
            if (conn_) conn_->rollback_quietly();
            throw;
        }
    }
}

std::string PostgresSinkTask::explain(const PgError& error, ErrorKind kind) const {
    std::string text = error.what();
    if (kind != ErrorKind::Configuration || !quoted_) return text;
    const WriteStep step = writer_ ? writer_->step() : WriteStep::Connecting;
    return text + ", while " + describe_step(step, *quoted_) + ". " +
           configuration_advice(error.sqlstate(), step, *quoted_, advice_role());
}

std::string PostgresSinkTask::advice_role() const { return role_.empty() ? "<the connector's role>" : role_; }

std::optional<int64_t> PostgresSinkTask::open(sdk::TopicPartition partition) {
    std::optional<int64_t> stored;
    const std::string topic(partition.topic);
    int retries = 0;
    with_retries("reading the stored offset of " + topic + "-" + std::to_string(partition.partition),
                 [&] { stored = writer_->read_offset(topic, partition.partition); }, kNoWaitBudget, retries);
    partitions_[{topic, partition.partition}] = PartitionState{stored.value_or(-1), -1, {}};
    return stored;
}

void PostgresSinkTask::close(sdk::TopicPartition partition) {
    partitions_.erase({std::string(partition.topic), partition.partition});
}

std::vector<sdk::PartitionOffset> PostgresSinkTask::list_offsets() {
    std::vector<sdk::PartitionOffset> stored;
    int retries = 0;
    with_retries("reading the stored offsets", [&] { stored = writer_->list_offsets(); }, kNoWaitBudget, retries);
    return stored;
}

void PostgresSinkTask::alter_offsets(std::span<const sdk::PartitionOffset> offsets) {
    int retries = 0;
    with_retries("altering the stored offsets", [&] { writer_->alter_offsets(offsets); }, kNoWaitBudget, retries);
    host().info("sink_postgres altered " + std::to_string(offsets.size()) + " stored offset(s)");
}

void PostgresSinkTask::stop() {
    metrics_.report(counters_, host());
    host().info("sink_postgres stopping: " + counters_.summary());
    conn_.reset();
}

uint32_t PostgresSinkTask::slot_for(const sdk::Record& record) {
    for (uint32_t slot = 0; slot < batch_partitions_.size(); ++slot)
        if (batch_partitions_[slot].partition == record.partition() &&
            batch_partitions_[slot].topic == record.topic())
            return slot;
    batch_partitions_.push_back({std::string(record.topic()), record.partition(), -1});
    // Records of a partition the runner never opened (should not happen) start from scratch.
    batch_states_.push_back(&partitions_[{std::string(record.topic()), record.partition()}]);
    return static_cast<uint32_t>(batch_partitions_.size() - 1);
}

void PostgresSinkTask::decode(std::span<const sdk::Record> records) {
    events_.clear();
    arena_.clear();
    batch_partitions_.clear();
    batch_states_.clear();
    malformed_.clear();
    events_.reserve(records.size());
    for (uint32_t i = 0; i < records.size(); ++i) {
        const sdk::Record& record = records[i];
        const uint32_t slot = slot_for(record);
        PartitionBatch& partition = batch_partitions_[slot];
        partition.next_offset = std::max(partition.next_offset, record.offset() + 1);
        if (record.offset() < batch_states_[slot]->committed_next) {
            ++counters_.already_applied;  // redelivered after it was committed
            continue;
        }
        Event event;
        std::string reason;
        if (decode_record(decoder_, optional_view(record.has_key(), record.key()),
                          optional_view(!record.is_tombstone(), record.value()),
                          settings_.late_threshold_us, event, arena_,
                          reason) == shared::user_events::RecordKind::Malformed) {
            malformed_.emplace_back(i, std::move(reason));
            continue;
        }
        event.source = slot;
        event.offset = record.offset();
        event.record = i;
        events_.push_back(event);
    }
}

void PostgresSinkTask::dead_letter_malformed(std::span<const sdk::Record> records) {
    std::vector<std::pair<PartitionState*, int64_t>> queued;
    for (const auto& [index, reason] : malformed_) {
        const sdk::Record& record = records[index];
        PartitionState& state = *batch_states_[slot_for(record)];
        // Sent by an earlier attempt at this batch that then failed to write.
        if (record.offset() <= state.dead_lettered_through) continue;
        host().dead_letter(record, reason);
        queued.emplace_back(&state, record.offset());
    }
    if (queued.empty()) return;
    // Confirmed before the transaction that stores offsets past them commits, so that a crash
    // can never lose a dead letter.
    host().flush_dead_letters();
    for (const auto& [state, offset] : queued) {
        state->dead_lettered_through = std::max(state->dead_lettered_through, offset);
        ++counters_.dead_letters;
    }
}

void PostgresSinkTask::dead_letter_refused(std::span<const sdk::Record> records,
                                           std::span<const RefusedRecord> refused) {
    std::vector<std::pair<PartitionState*, int64_t>> queued;
    std::string examples;
    for (const RefusedRecord& refusal : refused) {
        const Event& event = events_[refusal.event];
        const sdk::Record& record = records[event.record];
        PartitionState& state = *batch_states_[event.source];
        if (queued.size() < 3)
            examples += (examples.empty() ? "" : "; ") + std::string(record.topic()) + "-" +
                        std::to_string(record.partition()) + "@" + std::to_string(record.offset()) + " (" +
                        refusal.message.substr(0, 200) + ")";
        // Sent by an earlier attempt at this batch whose COMMIT then failed.
        if (state.refused_sent.contains(record.offset())) continue;
        const ingest_header headers[] = {sdk::header(kSqlstateHeader, refusal.sqlstate)};
        host().dead_letter(record, refusal_reason(refusal.message), headers);
        queued.emplace_back(&state, record.offset());
    }
    if (queued.empty()) return;
    // Confirmed before the transaction that stores offsets past them commits, as for malformed
    // records: a crash can never lose a dead letter.
    host().flush_dead_letters();
    for (const auto& [state, offset] : queued) {
        state->refused_sent.insert(offset);
        ++counters_.dead_letters;
        ++counters_.refused;
    }
    host().warn("sink_postgres: PostgreSQL refused " + std::to_string(queued.size()) + " record(s) of a batch of " +
                std::to_string(records.size()) + "; sent to the dead-letter topic with their SQLSTATE, the rest " +
                "of the batch commits: " + examples);
}

void PostgresSinkTask::put(std::span<const sdk::Record> records) {
    if (records.empty()) {
        report_counters();
        return;
    }
    const auto started = std::chrono::steady_clock::now();
    counters_.records += records.size();
    decode(records);
    dead_letter_malformed(records);

    bool progress = !events_.empty();
    for (size_t slot = 0; slot < batch_partitions_.size(); ++slot)
        progress = progress || batch_partitions_[slot].next_offset > batch_states_[slot]->committed_next;
    if (!progress) return;

    BatchCounts counts;
    const BeforeCommit dead_letter_them = [&](std::span<const RefusedRecord> refused) {
        dead_letter_refused(records, refused);
    };
    with_retries("writing a batch of " + std::to_string(records.size()) + " records",
                 [&] { counts = writer_->write(events_, arena_, batch_partitions_, dead_letter_them); },
                 kLongestWaitInPut, batch_retries_);
    for (size_t slot = 0; slot < batch_partitions_.size(); ++slot) {
        PartitionState& state = *batch_states_[slot];
        state.committed_next = std::max(state.committed_next, batch_partitions_[slot].next_offset);
        std::erase_if(state.refused_sent, [&](int64_t offset) { return offset < state.committed_next; });
    }
    counters_.add(counts);
    if (counts.already_applied > 0)
        host().warn("sink_postgres skipped " + std::to_string(counts.already_applied) +
                    " records already applied by an earlier transaction");
    counters_.add_latency(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started));
    report_counters();
}

void PostgresSinkTask::report_counters() {
    metrics_.report(counters_, host());
    const auto now = std::chrono::steady_clock::now();
    if (now - last_counters_log_ < kCountersLogInterval) return;
    last_counters_log_ = now;
    host().debug("sink_postgres counters: " + counters_.summary());
}

}  // namespace ingest::plugins::sink_postgres
