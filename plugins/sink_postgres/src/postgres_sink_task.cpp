#include "postgres_sink_task.hpp"

#include "error_advice.hpp"
#include "partition_groups.hpp"
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
    lanes_.clear();
    for (int i = 0; i < settings_.writers; ++i)
        lanes_.push_back(std::make_unique<WriterLane>(
            [this] { return make_connection(); },
            // On the lane's thread, right after its COMMIT: the metrics show what is committed.
            [this](const BatchCounts& committed) { count([&](SinkCounters& counters) { counters.add(committed); }); },
            settings_.tables, std::string(host().connector_name()), signal_));
    WriterLane& first = *lanes_.front();
    try {
        first.writer().note_step(WriteStep::Connecting);
        std::unique_ptr<PgConnection> conn = make_connection();
        quoted_ = std::make_unique<QuotedTables>(conn->raw(), settings_.tables);
        if (const char* user = PQuser(conn->raw()); user && *user)
            role_ = shared::pg::quote_identifier(conn->raw(), user);
        if (const char* database = PQdb(conn->raw()); database && *database)
            database_ = shared::pg::quote_identifier(conn->raw(), database);
        WriteStep schema_step = WriteStep::CreatingTables;
        try {
            for (const std::string& created : ensure_schema(*conn, *quoted_, settings_.auto_create, schema_step))
                host().info("sink_postgres created " + created);
        } catch (const PgError&) {
            first.writer().note_step(schema_step);
            throw;
        }
        first.adopt(std::move(conn));
        // Every writer connects now, so that a database refusing more connections fails the start.
        for (auto& lane : lanes_) lane->connection();
    } catch (const PgError& error) {
        // An unreachable or misconfigured database at start is an operator's problem to fix,
        // not something to wait out.
        throw sdk::FatalError("sink_postgres cannot start: " +
                              explain(error, first.writer().classify(error, nullptr), first.writer().step()));
    }
    host().info("sink_postgres connected to " + display_dsn_ + " with " + std::to_string(lanes_.size()) +
                " writer(s), writing to " + settings_.tables.schema + "." + settings_.tables.events);
}

std::unique_ptr<PgConnection> PostgresSinkTask::make_connection() const {
    std::string storage;
    const shared::pg::ConnectParams params = shared::pg::connect_params(settings_.connection, storage);
    return std::make_unique<PgConnection>(params.keywords, params.values, display_dsn_);
}

template <typename Action>
void PostgresSinkTask::with_retries(const std::string& what, Action&& action,
                                    std::chrono::milliseconds wait_budget, int& retries) {
    WriterLane& lane = *lanes_.front();
    std::chrono::milliseconds waited{0};
    for (;; ++retries) {
        const int attempt = retries;
        std::optional<WriterLane::Failure> failure;
        try {
            lane.connection();
            action(lane.writer());
            retries = 0;
            return;
        } catch (const PgError& error) {
            failure = lane.recover(error);
        } catch (...) {
            // Never leave a transaction open behind an error: the next BEGIN would only warn
            // and the next batch would run inside it.
            lane.rollback_quietly();
            throw;
        }
        back_off_or_throw(what, *failure, wait_budget, waited, attempt);
    }
}

void PostgresSinkTask::back_off_or_throw(const std::string& what, const WriterLane::Failure& failure,
                                         std::chrono::milliseconds wait_budget, std::chrono::milliseconds& waited,
                                         int attempt) {
    const PgError& error = failure.error;
    // Configuration errors, permanent ones, and data errors no single record explains (the
    // writer isolates those that one does; e.g. a user's deferred unique constraint failing
    // at COMMIT) fail the task at once.
    if (failure.kind != ErrorKind::Transient)
        throw sdk::FatalError(what + " failed: " + explain(error, failure.kind, failure.step));
    // Past its retries the task fails: the runner shows it FAILED with this message and
    // restarts it with its errors.restart.* backoff.
    if (attempt >= settings_.retry_max) {
        std::string message = what + " still failing after " + std::to_string(attempt) +
                              " retries (retry.max): " + error.what();
        if (std::string advice = retries_exhausted_advice(error.sqlstate(), advice_role(), database_); !advice.empty())
            message += ". " + advice;
        throw sdk::FatalError(message);
    }
    const auto delay = backoff_delay(attempt, settings_.retry_backoff, settings_.retry_backoff_max,
                                     std::uniform_real_distribution<double>(0.0, 1.0)(random_));
    if (delay > wait_budget - waited)
        throw sdk::RetriableError(what + " failed; handing it back to the runner after " +
                                  std::to_string(waited.count()) + " ms of retries: " + error.what());
    count([](SinkCounters& counters) { ++counters.retries; });
    host().warn(what + " failed, retry " + std::to_string(attempt + 1) + "/" + std::to_string(settings_.retry_max) +
                " in " + std::to_string(delay.count()) + " ms: " + error.what());
    if (!host().wait_unless_stopping(delay))
        throw sdk::RetriableError(what + " failed and the task is stopping: " + error.what());
    waited += delay;
}

std::string PostgresSinkTask::explain(const PgError& error, ErrorKind kind, WriteStep step) const {
    std::string text = error.what();
    if (kind != ErrorKind::Configuration || !quoted_) return text;
    return text + ", while " + describe_step(step, *quoted_) + ". " +
           configuration_advice(error.sqlstate(), step, *quoted_, advice_role());
}

std::string PostgresSinkTask::advice_role() const { return role_.empty() ? "<the connector's role>" : role_; }

std::optional<int64_t> PostgresSinkTask::open(sdk::TopicPartition partition) {
    settle_or_give_up(kNoWaitBudget);  // the first lane's connection is the task thread's again
    StoredPartition stored;
    const std::string topic(partition.topic);
    int retries = 0;
    // A retry after a COMMIT whose acknowledgement was lost claims once more: epochs only grow.
    with_retries("claiming " + topic + "-" + std::to_string(partition.partition) + " and reading its stored offset",
                 [&](BatchWriter& writer) { stored = writer.claim(topic, partition.partition); }, kNoWaitBudget,
                 retries);
    for (int64_t pid : stored.terminated)
        host().warn("sink_postgres ended PostgreSQL session " + std::to_string(pid) + ", which held " + topic + "-" +
                    std::to_string(partition.partition) + " for more than " +
                    std::to_string(kClaimPatience.count() / 1000) +
                    " s: a task that lost the partition (its transaction rolls back; it cannot write here again)");
    partitions_[{topic, partition.partition}] = PartitionState{stored.next_offset.value_or(-1), -1, {}, stored.epoch};
    host().debug("sink_postgres claimed " + topic + "-" + std::to_string(partition.partition) + " with epoch " +
                 std::to_string(stored.epoch));
    return stored.next_offset;
}

std::optional<int64_t> PostgresSinkTask::pre_commit(sdk::TopicPartition, int64_t) {
    if (failed_) throw sdk::FatalError(*failed_);
    // Everything put() accepted is committed when this returns: the runner's proposal holds.
    settle(kLongestWaitInPut);
    return std::nullopt;
}

void PostgresSinkTask::close(sdk::TopicPartition partition) {
    // Inside the consumer's rebalance: waits no longer than a put() would.
    settle_or_give_up(kLongestWaitInPut);
    partitions_.erase({std::string(partition.topic), partition.partition});
}

std::vector<sdk::PartitionOffset> PostgresSinkTask::list_offsets() {
    settle_or_give_up(kNoWaitBudget);
    std::vector<sdk::PartitionOffset> stored;
    int retries = 0;
    with_retries("reading the stored offsets", [&](BatchWriter& writer) { stored = writer.list_offsets(); },
                 kNoWaitBudget, retries);
    return stored;
}

void PostgresSinkTask::alter_offsets(std::span<const sdk::PartitionOffset> offsets) {
    settle_or_give_up(kNoWaitBudget);
    int retries = 0;
    with_retries("altering the stored offsets", [&](BatchWriter& writer) { writer.alter_offsets(offsets); },
                 kNoWaitBudget, retries);
    host().info("sink_postgres altered " + std::to_string(offsets.size()) + " stored offset(s)");
}

void PostgresSinkTask::stop() {
    if (!lanes_.empty()) settle_or_give_up(kNoWaitBudget);
    in_flight_ = nullptr;
    std::string summary;
    count([&](SinkCounters& counters) { summary = counters.summary(); });
    host().info("sink_postgres stopping: " + summary);
    lanes_.clear();
}

uint32_t PostgresSinkTask::slot_for(const sdk::Record& record, Batch& batch) {
    for (uint32_t slot = 0; slot < batch.partitions.size(); ++slot)
        if (batch.partitions[slot].partition == record.partition() && batch.partitions[slot].topic == record.topic())
            return slot;
    // Records of a partition the runner never opened (should not happen) start from scratch,
    // unclaimed (epoch 0: not fenced).
    PartitionState& state = partitions_[{std::string(record.topic()), record.partition()}];
    batch.partitions.push_back({std::string(record.topic()), record.partition(), -1, state.epoch});
    batch.states.push_back(&state);
    slot_records_.push_back(0);
    return static_cast<uint32_t>(batch.partitions.size() - 1);
}

void PostgresSinkTask::plan(std::span<const sdk::Record> records, Batch& batch) {
    batch.partitions.clear();
    batch.states.clear();
    batch.size = records.size();
    batch.started = std::chrono::steady_clock::now();
    slot_records_.clear();
    malformed_.clear();
    record_slots_.resize(records.size());
    uint32_t slot = 0;
    for (size_t i = 0; i < records.size(); ++i) {
        const sdk::Record& record = records[i];
        // Batches come in runs of one partition: the last one is checked first.
        if (slot >= batch.partitions.size() || batch.partitions[slot].partition != record.partition() ||
            batch.partitions[slot].topic != record.topic())
            slot = slot_for(record, batch);
        record_slots_[i] = slot;
        ++slot_records_[slot];
        PartitionBatch& partition = batch.partitions[slot];
        partition.next_offset = std::max(partition.next_offset, record.offset() + 1);
    }
    slot_lane_ = assign_partition_groups(slot_records_, static_cast<uint32_t>(lanes_.size()));
    slot_local_.assign(batch.partitions.size(), 0);
    batch.groups.resize(lanes_.size());
    for (auto& group : batch.groups) group.clear();
    for (uint32_t s = 0; s < batch.partitions.size(); ++s) {
        WriterLane::Group& group = batch.groups[slot_lane_[s]];
        slot_local_[s] = static_cast<uint32_t>(group.partitions.size());
        group.partitions.push_back(batch.partitions[s]);
        group.slots.push_back(s);
    }
    for (uint32_t lane = 0; lane < lanes_.size(); ++lane) decode_group(records, batch, lane);
}

void PostgresSinkTask::decode_group(std::span<const sdk::Record> records, Batch& batch, uint32_t lane) {
    WriterLane::Group& group = batch.groups[lane];
    uint64_t already_applied = 0;
    for (uint32_t i = 0; i < records.size(); ++i) {
        const uint32_t slot = record_slots_[i];
        if (slot_lane_[slot] != lane) continue;
        const sdk::Record& record = records[i];
        if (record.offset() < batch.states[slot]->committed_next) {
            ++already_applied;  // redelivered after it was committed
            continue;
        }
        Event event;
        std::string reason;
        if (decode_record(decoder_, optional_view(record.has_key(), record.key()),
                          optional_view(!record.is_tombstone(), record.value()), settings_.late_threshold_us, event,
                          group.arena, reason) == shared::user_events::RecordKind::Malformed) {
            malformed_.emplace_back(i, std::move(reason));
            continue;
        }
        event.source = slot_local_[slot];
        event.offset = record.offset();
        event.record = i;
        group.events.push_back(event);
    }
    if (already_applied > 0) count([&](SinkCounters& counters) { counters.already_applied += already_applied; });
}

bool PostgresSinkTask::has_work(const Batch& batch, uint32_t lane) const {
    const WriterLane::Group& group = batch.groups[lane];
    if (!group.events.empty()) return true;
    for (size_t i = 0; i < group.partitions.size(); ++i)
        if (group.partitions[i].next_offset > batch.states[group.slots[i]]->committed_next) return true;
    return false;
}

void PostgresSinkTask::dead_letter_malformed(std::span<const sdk::Record> records, const Batch& batch) {
    std::vector<std::pair<PartitionState*, int64_t>> queued;
    for (const auto& [index, reason] : malformed_) {
        const sdk::Record& record = records[index];
        PartitionState& state = *batch.states[record_slots_[index]];
        // Sent by an earlier attempt at this batch that then failed to write.
        if (record.offset() <= state.dead_lettered_through) continue;
        host().dead_letter(record, reason);
        queued.emplace_back(&state, record.offset());
    }
    if (queued.empty()) return;
    // Confirmed before the transaction that stores offsets past them commits, so that a crash
    // can never lose a dead letter.
    host().flush_dead_letters();
    for (const auto& [state, offset] : queued)
        state->dead_lettered_through = std::max(state->dead_lettered_through, offset);
    count([&](SinkCounters& counters) { counters.dead_letters += queued.size(); });
}

void PostgresSinkTask::dead_letter_refused(const Batch& batch, uint32_t lane) {
    const WriterLane::Group& group = batch.groups[lane];
    std::vector<std::pair<PartitionState*, int64_t>> queued;
    std::string examples;
    for (const RefusedRecord& refusal : lanes_[lane]->refused()) {
        const Event& event = group.events[refusal.event];
        const RecordCopies::Copy copy = batch.records[event.record];
        const sdk::Record record = copy.record();
        PartitionState& state = *batch.states[group.slots[event.source]];
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
    for (const auto& [state, offset] : queued) state->refused_sent.insert(offset);
    count([&](SinkCounters& counters) {
        counters.dead_letters += queued.size();
        counters.refused += queued.size();
    });
    host().warn("sink_postgres: PostgreSQL refused " + std::to_string(queued.size()) + " record(s) of a batch of " +
                std::to_string(batch.size) + "; sent to the dead-letter topic with their SQLSTATE, the rest " +
                "of the batch commits: " + examples);
}

void PostgresSinkTask::put(std::span<const sdk::Record> records) {
    if (failed_) throw sdk::FatalError(*failed_);
    if (records.empty()) {
        // The idle tick: the batch in flight commits (and its refused records are dead-lettered).
        settle(kLongestWaitInPut);
        report_counters();
        return;
    }
    Batch& batch = in_flight_ == &batches_[0] ? batches_[1] : batches_[0];
    count([&](SinkCounters& counters) { counters.records += records.size(); });
    // Decoding and the malformed records' dead letters overlap the previous batch's writes.
    plan(records, batch);
    dead_letter_malformed(records, batch);
    try {
        settle(kLongestWaitInPut);
    } catch (const sdk::FatalError& error) {
        failed_ = error.what();
        throw;
    }
    launch(records, batch);
    report_counters();
}

void PostgresSinkTask::launch(std::span<const sdk::Record> records, Batch& batch) {
    batch.pending.clear();
    for (uint32_t lane = 0; lane < lanes_.size(); ++lane)
        if (has_work(batch, lane)) batch.pending.push_back(lane);
    if (batch.pending.empty()) return;
    batch.records.assign(records);
    batch.already_applied = 0;
    for (uint32_t lane : batch.pending) lanes_[lane]->start(batch.groups[lane]);
    batch.running = true;
    in_flight_ = &batch;
}

void PostgresSinkTask::settle(std::chrono::milliseconds wait_budget) {
    if (!in_flight_) return;
    Batch& batch = *in_flight_;
    const std::string what = "writing a batch of " + std::to_string(batch.size) + " records";
    std::chrono::milliseconds waited{0};
    for (;;) {
        if (!batch.running) {
            for (uint32_t lane : batch.pending) lanes_[lane]->start(batch.groups[lane]);
            batch.running = true;
        }
        try {
            drive(batch);
        } catch (...) {
            abort_lanes(batch);
            collect(batch);
            batch.running = false;
            throw;
        }
        const WriterLane::Failure* decisive = collect(batch);
        if (batch.pending.empty()) break;
        batch.running = false;
        try {
            for (uint32_t lane : batch.pending) lanes_[lane]->rethrow_unexpected();
        } catch (const Fenced& fenced) {
            // Not retried: another task owns the partition now, and only a restart (which claims
            // afresh, or finds the partition assigned elsewhere) may write again.
            host().error("sink_postgres task " + std::string(host().connector_name()) + "-" +
                         std::to_string(host().task_id()) + " " + fenced.what());
            failed_ = fenced.what();
            throw;
        }
        if (!decisive) continue;  // rolled back when an earlier call gave up: they start again
        // The decisive failure is reported below; the other groups' own ones are worth a line too.
        for (uint32_t lane : batch.pending)
            if (const auto& failure = lanes_[lane]->failure();
                failure && &*failure != decisive && std::string_view(failure->error.what()) != decisive->error.what())
                host().warn(what + ": another group failed too: " + failure->error.what());
        // Only the failed groups go again; the committed ones are done (their offsets are stored).
        back_off_or_throw(what, *decisive, wait_budget, waited, batch_retries_);
        ++batch_retries_;
    }
    batch_retries_ = 0;
    in_flight_ = nullptr;
    if (batch.already_applied > 0)
        host().warn("sink_postgres skipped " + std::to_string(batch.already_applied) +
                    " records already applied by an earlier transaction");
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - batch.started);
    count([&](SinkCounters& counters) { counters.add_latency(latency); });
}

void PostgresSinkTask::settle_or_give_up(std::chrono::milliseconds wait_budget) noexcept {
    try {
        settle(wait_budget);
    } catch (const std::exception& error) {
        failed_ = std::string("a batch of ") + std::to_string(in_flight_ ? in_flight_->size : 0) +
                  " records that put() accepted could not be written (" + error.what() +
                  "); the task restarts from its stored offsets";
        host().error("sink_postgres: " + *failed_);
        in_flight_ = nullptr;
        batch_retries_ = 0;
    }
}

void PostgresSinkTask::drive(Batch& batch) {
    std::unique_lock lock(signal_.mutex);
    for (;;) {
        bool busy = false;
        std::optional<uint32_t> waiting;
        for (uint32_t lane : batch.pending) {
            const WriterLane::Stage stage = lanes_[lane]->stage();
            busy = busy || stage == WriterLane::Stage::Writing || stage == WriterLane::Stage::Prepared;
            if (stage == WriterLane::Stage::Prepared && !lanes_[lane]->decided() && !waiting) waiting = lane;
        }
        if (waiting) {
            lock.unlock();
            dead_letter_refused(batch, *waiting);
            lock.lock();
            lanes_[*waiting]->decide(true);
            continue;
        }
        if (!busy) return;
        signal_.changed.wait(lock);
    }
}

void PostgresSinkTask::abort_lanes(const Batch& batch) noexcept {
    std::unique_lock lock(signal_.mutex);
    for (;;) {
        bool busy = false;
        for (uint32_t lane : batch.pending) {
            const WriterLane::Stage stage = lanes_[lane]->stage();
            if (stage == WriterLane::Stage::Prepared && !lanes_[lane]->decided()) lanes_[lane]->decide(false);
            busy = busy || stage == WriterLane::Stage::Writing || stage == WriterLane::Stage::Prepared;
        }
        if (!busy) return;
        signal_.changed.wait(lock);
    }
}

const WriterLane::Failure* PostgresSinkTask::collect(Batch& batch) {
    const WriterLane::Failure* decisive = nullptr;
    std::erase_if(batch.pending, [&](uint32_t index) {
        WriterLane& lane = *lanes_[index];
        if (lane.stage() != WriterLane::Stage::Committed) {
            const auto& failure = lane.failure();
            // A failure that ends the task (configuration, permanent) decides over a transient one.
            if (failure && (!decisive || (decisive->kind == ErrorKind::Transient && failure->kind != ErrorKind::Transient)))
                decisive = &*failure;
            return false;
        }
        batch.already_applied += lane.counts().already_applied;
        const WriterLane::Group& group = batch.groups[index];
        for (size_t i = 0; i < group.partitions.size(); ++i) {
            PartitionState& state = *batch.states[group.slots[i]];
            state.committed_next = std::max(state.committed_next, group.partitions[i].next_offset);
            std::erase_if(state.refused_sent, [&](int64_t offset) { return offset < state.committed_next; });
        }
        return true;
    });
    return decisive;
}

void PostgresSinkTask::report_counters() {
    std::string summary;
    count([&](SinkCounters& counters) { summary = counters.summary(); });
    const auto now = std::chrono::steady_clock::now();
    if (now - last_counters_log_ < kCountersLogInterval) return;
    last_counters_log_ = now;
    host().debug("sink_postgres counters: " + summary);
}

template <typename Change>
void PostgresSinkTask::count(Change&& change) {
    std::lock_guard lock(counters_mutex_);
    change(counters_);
    metrics_.report(counters_, host());
}

}  // namespace ingest::plugins::sink_postgres
