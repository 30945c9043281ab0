#include "validator_task.hpp"

#include "expected_state.hpp"
#include "fingerprint.hpp"
#include "reconcile.hpp"
#include "spill_file.hpp"
#include "validator_metrics.hpp"
#include "shared/user_events/rfc3339.hpp"
#include "shared/user_events/stream_file.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace ingest::plugins::sink_validator {
namespace {

using namespace std::chrono_literals;

// Readiness costs broker and database round trips: checked once a second while the audit log is
// still being written, and every kFinalCheckInterval once it is complete (the verdict is then
// near: the sink's last commit is what it waits for).
constexpr auto kCheckInterval = 1s;
constexpr auto kFinalCheckInterval = 200ms;
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

int64_t milliseconds(std::chrono::steady_clock::duration duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
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
    AuditFollower::Options follow;
    follow.audit_log = settings_.audit_log;
    follow.tasks = settings_.audit_log_tasks;
    follow.expected.late_threshold_us = settings_.late_threshold_ms * 1000;
    follow.expected.keep_keys = settings_.source_topic_compacted;  // what the compaction rule needs
    follow.expected.memory_budget_bytes = static_cast<size_t>(settings_.memory_budget_mb) << 20;
    follow.expected.work_directory = settings_.spill_dir;
    audit_ = std::make_unique<AuditFollower>(std::move(follow));
    shared::pg::TableNames tables;
    tables.schema = settings_.schema;
    tables.events = settings_.table;
    tables.deletions = settings_.deletions_table;
    tables.offsets = settings_.offsets_table;
    database_ = std::make_unique<PgReader>(settings_.dsn, std::move(tables));
    started_ = Clock::now();
    deadline_ = started_ + std::chrono::milliseconds(settings_.timeout_ms);
    next_check_ = started_;
    next_progress_log_ = started_ + kProgressLogInterval;
    host().info("validating " + settings_.source_topic + " -> " + settings_.schema + "." +
                settings_.table + " against audit log " + settings_.audit_log +
                (settings_.audit_log_tasks > 1
                     ? " (" + std::to_string(settings_.audit_log_tasks) + " task files .0 .. ." +
                           std::to_string(settings_.audit_log_tasks - 1) + ")"
                     : settings_.audit_log_tasks == 0 ? " (task count from its stream file)" : std::string()) +
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
    audit_.reset();
    database_.reset();
}

void ValidatorTask::put(std::span<const sdk::Record> records) {
    if (judged_) return;
    for (const sdk::Record& record : records) take(record);

    // The audit log is read only once the source has produced (readiness.hpp says why).
    if (source_seen_) audit_->start();
    for (AuditFollower::LogLine& line : audit_->take_log()) {
        if (line.warning) {
            host().warn(line.text);
        } else {
            host().info(line.text);
        }
    }
    const Clock::time_point now = Clock::now();
    if (now < next_check_) return;
    const AuditFollower::Progress audit = audit_->progress();
    if (audit.failure) {
        abort_with(*audit.failure);
        return;
    }
    next_check_ = now + (audit.complete ? kFinalCheckInterval : kCheckInterval);
    if (audit.complete && !audit_complete_at_) audit_complete_at_ = now;

    const bool last_chance = now >= deadline_;
    std::vector<std::string> missing = missing_conditions_now(audit, last_chance);
    if (judged_) return;  // a condition that can never be met ended it
    if (missing.empty()) {
        // Where the time went before the verdict: what was waited for last, and since when the
        // truth was ready.
        if (!last_missing_.empty() || audit_complete_at_)
            host().info("ready to judge" +
                        (audit_complete_at_
                             ? "; audit log complete " + std::to_string(milliseconds(now - *audit_complete_at_)) + " ms ago"
                             : std::string()) +
                        (last_missing_.empty() ? std::string() : "; last waited for: " + last_missing_));
        judge(last_chance);  // on a database error it logs, and retries at the next check
        return;
    }
    last_missing_ = join_first(missing, 2);
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

std::vector<PartitionProgress> ValidatorTask::progress_of(
    const std::string& topic, const std::map<int32_t, Position>& positions,
    const std::vector<int32_t>& extra_partitions, const std::map<int32_t, int64_t>& audited,
    std::vector<std::string>& problems) {
    std::set<int32_t> partitions(extra_partitions.begin(), extra_partitions.end());
    for (const auto& [partition, position] : positions) partitions.insert(partition);

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

std::vector<std::string> ValidatorTask::missing_conditions_now(const AuditFollower::Progress& audit,
                                                                bool everything) {
    ReadinessFacts facts;
    facts.source_seen = source_seen_;
    // No files known yet (the task count comes from a stream file not written yet) is not found:
    // an empty set of files must never look complete.
    facts.audit_unresolved = !audit.known;
    facts.audit_path = !audit.known ? audit.not_known
                                    : (audit.found ? settings_.audit_log : audit.missing_path);
    facts.audit_found = audit.known && audit.found;
    facts.audit_complete = audit.complete;
    facts.audit_records = audit.records;
    facts.source_topic = settings_.source_topic;
    facts.dead_letter_topic = settings_.dlq_topic;
    facts.sink_connector = settings_.sink_connector;
    if (!everything && !facts.audit_complete) return missing_conditions(facts);

    std::vector<int32_t> partitions;
    for (const auto& [partition, highest] : audit.highest_offsets) partitions.push_back(partition);
    try {
        facts.sink_offsets =
            database_->sink_offsets(settings_.sink_connector, settings_.source_topic);
        for (const auto& [partition, next] : *facts.sink_offsets) partitions.push_back(partition);
    } catch (const DatabaseError& error) {
        facts.problems.push_back(std::string("database: ") + error.what());
    }
    facts.source = progress_of(settings_.source_topic, source_positions_, partitions,
                               audit.highest_offsets, facts.problems);
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
    facts.dead_letters_expected = audit.malformed > 0;
    facts.dead_letter = progress_of(settings_.dlq_topic, dlq_positions_, {}, {}, facts.problems);
    return missing_conditions(facts);
}

void ValidatorTask::judge(bool last_chance) {
    const Clock::time_point began = Clock::now();
    std::optional<Report> report;
    try {
        ExpectedState& expected = audit_->finish();
        const Clock::time_point derived = Clock::now();
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
        const Clock::time_point read = Clock::now();
        report = reconciler.finish();
        const KeyStore& keys = expected.keys();
        host().info("compared " + std::to_string(report->counts().table_rows) + " rows and " +
                    std::to_string(report->counts().deletion_rows) + " deletions in " +
                    std::to_string(milliseconds(Clock::now() - began)) + " ms (finishing the truth " +
                    std::to_string(milliseconds(derived - began)) + " ms, reading the tables " +
                    std::to_string(milliseconds(read - derived)) + " ms, the rest " +
                    std::to_string(milliseconds(Clock::now() - read)) + " ms); expected state of " +
                    std::to_string(expected.counts.events) + " event ids: peak " +
                    std::to_string(keys.peak_memory_bytes() >> 20) + " MiB in memory (budget " +
                    std::to_string(settings_.memory_budget_mb) + " MiB), " +
                    std::to_string(keys.spilled_buckets()) + " of " + std::to_string(KeyStore::kBuckets) +
                    " buckets spilled" + (keys.directory().empty() ? "" : " to " + keys.directory()) +
                    "; records: " + std::to_string((expected.positions().bytes() + topic_.bytes()) >> 20) +
                    " MiB");
    } catch (const std::runtime_error& error) {
        // A spill file that cannot be written or read back: no comparison can be trusted.
        abort_with(std::string("comparing: ") + error.what());
        return;
    }
    deliver(*report);
}

void ValidatorTask::give_up(std::vector<std::string> missing) {
    Report report(static_cast<size_t>(settings_.examples_max));
    report.counts().records = audit_ ? audit_->progress().confirmed : 0;
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
    audit_.reset();
    topic_ = TopicIndex();
    source_positions_.clear();
    dlq_positions_.clear();
    database_.reset();
}

}  // namespace ingest::plugins::sink_validator
