#include "validator_task.hpp"

#include "expected_state.hpp"
#include "fingerprint.hpp"
#include "reconcile.hpp"
#include "validator_metrics.hpp"
#include "shared/user_events/rfc3339.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace ingest::plugins::sink_validator {
namespace {

using namespace std::chrono_literals;

// While records flow, the audit log gets a small slice of time so the validator's consumption keeps
// up with the producer (the mock broker drops what a slow consumer has not read); once the topics
// are idle it gets most of each idle tick (the runner idles in batch.max.ms steps, 500 ms by
// default). Readiness costs broker and database round trips, so it is checked once a second.
constexpr auto kTailInterval = 250ms;
constexpr auto kBusyTailBudget = 25ms;
constexpr auto kIdleTailBudget = 400ms;
constexpr size_t kTailChunkBytes = 1u << 20;
constexpr auto kCheckInterval = 1s;
constexpr auto kProgressLogInterval = 30s;

std::optional<std::string_view> key_of(const sdk::Record& record) {
    if (!record.has_key()) return std::nullopt;
    return record.key();
}

std::optional<std::string_view> value_of(const sdk::Record& record) {
    if (record.is_tombstone()) return std::nullopt;
    return record.value();
}

std::string utc_now() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return shared::user_events::format_rfc3339_micros(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

// Written beside the target and renamed, so a reader never sees half a report.
void write_file_atomically(const std::string& path, const std::string& text) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    if (target.has_parent_path()) fs::create_directories(target.parent_path());
    fs::path temporary = target;
    temporary += ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text << '\n';
        out.close();
        if (!out) throw std::runtime_error("cannot write " + temporary.string());
    }
    fs::rename(temporary, target);
}

std::string join_first(const std::vector<std::string>& items, size_t limit) {
    std::string joined;
    for (size_t i = 0; i < items.size() && i < limit; ++i) {
        if (i > 0) joined += "; ";
        joined += items[i];
    }
    if (items.size() > limit) joined += "; and " + std::to_string(items.size() - limit) + " more";
    return joined;
}

}  // namespace

void ValidatorTask::start(const sdk::Config& config) {
    // One verdict compares whole topics with the whole table: a task seeing part of the partitions
    // could only wait for the rest (and say so at its deadline). Refused here, at once.
    if (host().task_count() > 1)
        throw sdk::FatalError("sink_validator judges every partition of its topics in one task: run it with "
                              "tasks.max=1 (got " + std::to_string(host().task_count()) + ")");
    settings_ = config_def().parse(config);
    report_not_judged(host());
    audit_paths_ = audit_log_paths(settings_.audit_log, settings_.audit_log_tasks);
    tails_.clear();
    for (const std::string& path : audit_paths_) tails_.push_back(std::make_unique<AuditLogTail>(path));
    audit_found_.assign(audit_paths_.size(), false);
    audit_ = AuditLogSet(audit_paths_.size());
    shared::pg::TableNames tables;
    tables.schema = settings_.schema;
    tables.events = settings_.table;
    tables.deletions = settings_.deletions_table;
    tables.offsets = settings_.offsets_table;
    database_ = std::make_unique<PgReader>(settings_.dsn, std::move(tables));
    started_ = Clock::now();
    deadline_ = started_ + std::chrono::milliseconds(settings_.timeout_ms);
    next_tail_ = next_check_ = started_;
    next_progress_log_ = started_ + kProgressLogInterval;
    host().info("validating " + settings_.source_topic + " -> " + settings_.schema + "." +
                settings_.table + " against audit log " + settings_.audit_log +
                (audit_paths_.size() > 1
                     ? " (" + std::to_string(audit_paths_.size()) + " task files .0 .. ." +
                           std::to_string(audit_paths_.size() - 1) + ")"
                     : std::string()) +
                "; waiting for sink " + settings_.sink_connector + ", verdict due within " +
                std::to_string(settings_.timeout_ms) + " ms");
}

std::optional<int64_t> ValidatorTask::open(sdk::TopicPartition partition) {
    std::map<int32_t, Position>* positions = nullptr;
    if (partition.topic == settings_.source_topic) positions = &source_positions_;
    if (partition.topic == settings_.dlq_topic) positions = &dlq_positions_;
    if (!positions) return std::nullopt;
    (*positions)[partition.partition].assigned = true;
    // The comparison needs every record, and the validator keeps nothing across restarts: always
    // start from the beginning of the partition.
    try {
        return host().watermarks(std::string(partition.topic), partition.partition).low;
    } catch (const std::exception& error) {
        host().warn("cannot read the start of " + std::string(partition.topic) + " partition " +
                    std::to_string(partition.partition) + ": " + error.what());
        return std::nullopt;
    }
}

void ValidatorTask::close(sdk::TopicPartition partition) {
    if (partition.topic == settings_.source_topic)
        source_positions_[partition.partition].assigned = false;
    if (partition.topic == settings_.dlq_topic) dlq_positions_[partition.partition].assigned = false;
}

void ValidatorTask::stop() {
    if (!judged_) host().info("stopped before a verdict");
    database_.reset();
}

void ValidatorTask::put(std::span<const sdk::Record> records) {
    if (judged_) return;
    for (const sdk::Record& record : records) take(record);

    const Clock::time_point now = Clock::now();
    if (source_seen_ && now >= next_tail_) {
        tail_audit_log(now + (records.empty() ? kIdleTailBudget : kBusyTailBudget));
        next_tail_ = Clock::now() + kTailInterval;
        if (judged_) return;
    }
    if (now < next_check_) return;
    next_check_ = now + kCheckInterval;

    const bool last_chance = now >= deadline_;
    std::vector<std::string> missing = missing_conditions_now(last_chance);
    if (judged_) return;  // a condition that can never be met ended it
    if (missing.empty()) {
        judge(last_chance);  // on a database error it logs, and retries at the next check
        return;
    }
    if (last_chance) {
        give_up(std::move(missing));
        return;
    }
    if (now >= next_progress_log_) {
        next_progress_log_ = now + kProgressLogInterval;
        host().info("no verdict yet, waiting for: " + join_first(missing, 3));
    }
}

void ValidatorTask::take(const sdk::Record& record) {
    const std::string_view topic = record.topic();
    std::map<int32_t, Position>* positions = nullptr;
    if (topic == settings_.source_topic) positions = &source_positions_;
    if (topic == settings_.dlq_topic) positions = &dlq_positions_;
    if (!positions) {
        if (!warned_foreign_topic_)
            host().warn("ignoring records of topic " + std::string(topic) + ": the validator reads " +
                        settings_.source_topic + " and " + settings_.dlq_topic);
        warned_foreign_topic_ = true;
        return;
    }
    Position& position = (*positions)[record.partition()];
    position.next = std::max(position.next.value_or(0), record.offset() + 1);

    if (positions == &source_positions_) {
        source_seen_ = true;
        topic_.add_source(record.partition(), record.offset(),
                          record_fingerprint(key_of(record), value_of(record)));
    } else {
        take_dead_letter(record);
    }
}

void ValidatorTask::take_dead_letter(const sdk::Record& record) {
    std::string problem;
    auto origin = parse_dead_letter_origin(record.header("__connect.errors.topic"),
                                           record.header("__connect.errors.partition"),
                                           record.header("__connect.errors.offset"), problem);
    if (origin && origin->topic != settings_.source_topic) {
        problem = "names topic " + origin->topic + ", not " + settings_.source_topic;
        origin.reset();
    }
    if (!origin) {
        topic_.add_stray_dead_letter({record.partition(), record.offset(), problem});
        return;
    }
    topic_.add_dead_letter(record.partition(), record.offset(), *origin,
                           record_fingerprint(key_of(record), value_of(record)));
}

void ValidatorTask::tail_audit_log(Clock::time_point budget_end) {
    // Each poll of a file reads only what was appended since the last, so starting from file 0
    // every time starves none of them for long.
    for (size_t index = 0; index < tails_.size(); ++index) {
        audit_found_[index] = tail_one(index, budget_end) || audit_found_[index];
        if (judged_ || Clock::now() >= budget_end) return;
    }
}

bool ValidatorTask::tail_one(size_t index, Clock::time_point budget_end) {
    AuditLogTail& tail = *tails_[index];
    const std::string& path = audit_paths_[index];
    try {
        for (;;) {
            const auto status =
                tail.poll(kTailChunkBytes, [&](std::string_view line, uint64_t number) {
                    audit_.file(index).add_line(line, number);
                });
            if (status == AuditLogTail::Status::Missing) return false;
            if (status == AuditLogTail::Status::Restarted) {
                host().warn("audit log " + path +
                            " was replaced or truncated; reading it again from the start");
                audit_.reset(index);
                continue;
            }
            if (tail.at_end() || Clock::now() >= budget_end) return true;
        }
    } catch (const AuditLogError& error) {
        abort_with("audit log " + path + " " + error.what());
    } catch (const std::exception& error) {
        // Unreadable for now (permissions, I/O): readiness keeps reporting it until the deadline.
        host().warn(error.what());
    }
    return true;
}

std::string ValidatorTask::missing_audit_path() const {
    for (size_t index = 0; index < audit_paths_.size(); ++index)
        if (!audit_found_[index]) return audit_paths_[index];
    return settings_.audit_log;
}

std::vector<PartitionProgress> ValidatorTask::progress_of(
    const std::string& topic, const std::map<int32_t, Position>& positions,
    const std::vector<int32_t>& extra_partitions, std::vector<std::string>& problems) {
    std::set<int32_t> partitions(extra_partitions.begin(), extra_partitions.end());
    for (const auto& [partition, position] : positions) partitions.insert(partition);

    const std::map<int32_t, int64_t> audited = audit_.highest_offsets();
    std::vector<PartitionProgress> progress;
    for (int32_t partition : partitions) {
        PartitionProgress item;
        item.partition = partition;
        try {
            const auto marks = host().watermarks(topic, partition);
            item.low = marks.low;
            item.high = marks.high;
        } catch (const std::exception& error) {
            problems.push_back("broker: no watermarks for " + topic + " partition " +
                               std::to_string(partition) + ": " + error.what());
            continue;
        }
        if (auto found = positions.find(partition); found != positions.end()) {
            item.assigned = found->second.assigned;
            item.consumed_next = found->second.next;
        }
        if (topic == settings_.source_topic) {
            if (auto found = audited.find(partition); found != audited.end())
                item.audited_end = found->second + 1;
        }
        progress.push_back(item);
    }
    return progress;
}

std::vector<std::string> ValidatorTask::missing_conditions_now(bool everything) {
    ReadinessFacts facts;
    facts.audit_path = missing_audit_path();
    facts.source_seen = source_seen_;
    facts.audit_found =
        std::find(audit_found_.begin(), audit_found_.end(), false) == audit_found_.end();
    facts.audit_complete = audit_.complete();
    facts.audit_records = audit_.observed().records;
    facts.source_topic = settings_.source_topic;
    facts.dead_letter_topic = settings_.dlq_topic;
    facts.sink_connector = settings_.sink_connector;
    if (!everything && !facts.audit_complete) return missing_conditions(facts);

    std::vector<int32_t> partitions;
    for (const auto& [partition, highest] : audit_.highest_offsets()) partitions.push_back(partition);
    try {
        facts.sink_offsets =
            database_->sink_offsets(settings_.sink_connector, settings_.source_topic);
        for (const auto& [partition, next] : *facts.sink_offsets) partitions.push_back(partition);
    } catch (const DatabaseError& error) {
        facts.problems.push_back(std::string("database: ") + error.what());
    }
    facts.source = progress_of(settings_.source_topic, source_positions_, partitions, facts.problems);
    if (!records_lost_to_sink(facts).empty()) {
        // The sink's offsets were read before the watermarks and may be older than them: read
        // them again, after, so that a gap is only reported when it is certain.
        try {
            facts.sink_offsets =
                database_->sink_offsets(settings_.sink_connector, settings_.source_topic);
            if (auto lost = records_lost_to_sink(facts); !lost.empty()) {
                abort_with(join_first(lost, lost.size()));
                return {};
            }
        } catch (const DatabaseError& error) {
            facts.problems.push_back(std::string("database: ") + error.what());
        }
    }
    std::vector<std::string> missing = missing_conditions(facts);
    if (!everything && !missing.empty()) return missing;

    // The sink dead-letters before it commits, so the dead-letter topic's end is final only once
    // the sink's offsets reached the source's end: read its watermarks after that check.
    facts.dead_letters_expected = audit_.malformed_records() > 0;
    facts.dead_letter = progress_of(settings_.dlq_topic, dlq_positions_, {}, facts.problems);
    return missing_conditions(facts);
}

void ValidatorTask::judge(bool last_chance) {
    const Clock::time_point began = Clock::now();
    const ExpectedState expected = derive_expected(audit_, audit_paths_, settings_.late_threshold_ms * 1000);
    Reconciler reconciler(expected, topic_, static_cast<size_t>(settings_.examples_max),
                          settings_.source_topic_compacted);
    try {
        database_->read_tables([&](const TableRow& row) { reconciler.add_row(row); },
                               [&](const Uuid& id) { reconciler.add_deletion(id); });
    } catch (const DatabaseError& error) {
        if (last_chance) {
            give_up({std::string("reading the tables: ") + error.what()});
        } else {
            host().warn(std::string("cannot read the tables yet, will retry: ") + error.what());
        }
        return;
    }
    const Report report = reconciler.finish();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
    host().info("compared " + std::to_string(report.counts().table_rows) + " rows and " +
                std::to_string(report.counts().deletion_rows) + " deletions in " +
                std::to_string(took.count()) + " ms");
    deliver(report);
}

void ValidatorTask::give_up(std::vector<std::string> missing) {
    Report report(static_cast<size_t>(settings_.examples_max));
    report.counts().records = audit_.observed().confirmed;
    report.set_waiting_for(std::move(missing), settings_.timeout_ms);
    deliver(report);
}

void ValidatorTask::abort_with(const std::string& reason) {
    Report report(static_cast<size_t>(settings_.examples_max));
    report.set_aborted(reason);
    deliver(report);
}

void ValidatorTask::deliver(const Report& report) {
    boost::json::object json = report.to_json();
    json["connector"] = std::string(host().connector_name());
    json["generated_at"] = utc_now();
    json["audit_log"] = settings_.audit_log;
    json["source_topic"] = settings_.source_topic;
    json["dlq_topic"] = settings_.dlq_topic;
    json["table"] = settings_.schema + "." + settings_.table;
    json["sink_connector"] = settings_.sink_connector;
    json["late_threshold_ms"] = settings_.late_threshold_ms;
    if (!settings_.report_path.empty()) {
        try {
            write_file_atomically(settings_.report_path, boost::json::serialize(json));
            host().info("validation report written to " + settings_.report_path);
        } catch (const std::exception& error) {
            host().error("cannot write the validation report " + settings_.report_path + ": " +
                         error.what());
        }
    }

    host().info(report.metrics_line());
    for (size_t i = 0; i < kDiscrepancyCount; ++i) {
        const auto discrepancy = static_cast<Discrepancy>(i);
        const Finding& finding = report.finding(discrepancy);
        if (finding.count == 0) continue;
        std::string line = std::string(discrepancy_name(discrepancy)) + ": " +
                           std::to_string(finding.count);
        if (!finding.examples.empty()) {
            const Example& first = finding.examples.front();
            line += ", e.g. " + first.subject + ": " + first.detail;
            for (const FieldDifference& field : first.fields)
                line += " [" + field.field + " expected " + field.expected + ", got " +
                        field.actual + "]";
        }
        host().error(line);
    }
    const bool ok = report.passed();
    const std::string summary = report.summary();
    if (ok) {
        host().info("PASS: " + summary);
    } else {
        host().error("FAIL: " + summary);
    }
    report_verdict_metrics(report, host());
    host().report_verdict(ok, summary);

    judged_ = true;
    // Nothing more to do: release the audit records and topic fingerprints.
    audit_ = AuditLogSet(audit_paths_.size());
    topic_ = TopicIndex();
    source_positions_.clear();
    dlq_positions_.clear();
    database_.reset();
}

}  // namespace ingest::plugins::sink_validator
