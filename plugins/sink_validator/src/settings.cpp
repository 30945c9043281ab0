#include "settings.hpp"

#include "shared/pg/sink_tables.hpp"

namespace ingest::plugins::sink_validator {
namespace {

using Def = sdk::ConfigDef<Settings>;
using S = Settings;

void check_topics_differ(const S& settings, sdk::Problems& problems) {
    if (!settings.dlq_topic.empty() && settings.dlq_topic == settings.source_topic)
        problems.push_back({"dlq.topic", "is '" + settings.dlq_topic + "', the same topic as source.topic: "
                                                                          "dead letters come from another topic"});
}

Def declare_keys() {
    return Def()
        .key("audit.log", &S::audit_log, sdk::required,
             "Path of the source's JSON Lines audit log (what was meant), as configured in the source "
             "connector. Required. When the source runs N > 1 tasks, the files `<audit.log>.0` .. "
             "`<audit.log>.<N-1>` are read instead, as one log.")
        .not_empty()
        .key("audit.log.tasks", &S::audit_log_tasks, 0,
             "How many audit logs the source's tasks write (its tasks.max; task i writes "
             "`<audit.log>.<i>` when above 1). 0: read it from the stream file the source writes beside "
             "its log when it starts (`<audit.log>.stream` for one task, `<audit.log>.0.stream` for "
             "several); until that file exists the audit log counts as not found. N: exactly N, and a "
             "stream file that says otherwise stops the validation with a FAIL naming both. Every log "
             "must exist and be complete before a verdict; their records are judged together.")
        .between(0, 64)
        .secret("connection.dsn", &S::dsn, sdk::required,
                "libpq connection string or URI of the database the sink writes. Required.")
        .not_empty()
        .key("schema", &S::schema, shared::pg::kDefaultSchema, "Schema of the sink's tables.")
        .not_empty()
        .key("table", &S::table, shared::pg::kDefaultEventsTable, "The sink's events table.")
        .not_empty()
        .key("deletions.table", &S::deletions_table, shared::pg::kDefaultDeletionsTable, "The sink's deletions table.")
        .not_empty()
        .key("offsets.table", &S::offsets_table, shared::pg::kDefaultOffsetsTable, "The sink's offsets table.")
        .not_empty()
        .key("sink.connector", &S::sink_connector, "user-events-postgres",
             "Name of the sink connector whose stored offsets must reach the end of the source topic "
             "before a verdict.")
        .not_empty()
        .key("source.topic", &S::source_topic, "user-events",
             "The topic the source writes and the sink reads; the connector's `topics` must include it.")
        .not_empty()
        // Plugins do not talk to Kafka (the runner does), and the host offers no way to describe a
        // topic's configs: the validator is told. Told wrong, it fails loudly in the safe
        // direction: a compacted topic judged as uncompacted FAILs with topic_missing.
        .key("source.topic.compacted", &S::source_topic_compacted, false,
             "Whether source.topic is compacted (cleanup.policy compact, e.g. by the source connector's "
             "topic.creation.default.cleanup.policy). Then a confirmed record missing from the topic is "
             "accepted when compaction explains it: a later record of its key is in the topic, or its key's "
             "last record was a tombstone and nothing of the key is left (see docs/validation.md). false: "
             "every confirmed record must be in the topic.")
        .key("dlq.topic", &S::dlq_topic, "user-events.dlq",
             "The sink's dead-letter topic; the connector's `topics` must include it.")
        .not_empty()
        .key("timeout.ms", &S::timeout_ms, 600'000,
             "Deadline for a verdict, from task start. When it passes before everything is ready, the "
             "verdict is FAIL naming what was still missing.")
        .at_least(1)
        .key("report.path", &S::report_path, "",
             "Where to write the JSON report (counts, examples, verdict); empty: no file.")
        .key("examples.max", &S::examples_max, 10, "Examples kept per discrepancy category.")
        .between(0, 100'000)
        .key("late.threshold.ms", &S::late_threshold_ms, 30'000,
             "An event whose received_time - event_time exceeds this is late.")
        .at_least(0)
        .key("memory.budget.mb", &S::memory_budget_mb, 32,
             "Memory for the expected state of every event id (about 64-80 bytes an id: 900k ids take "
             "65 MiB). Beyond it the state of some ids spills to files in spill.dir and is "
             "compared there at the verdict (slower, but memory stays bounded: at 1M events the "
             "default spills half the ids and the comparison takes 0.3 s longer). Not counted in it: 20 "
             "bytes per record of the source topic (28 with source.topic.compacted), see "
             "docs/validation.md.")
        .between(1, 1'048'576)
        .key("spill.dir", &S::spill_dir, "",
             "Directory for the files of spilled state (a subdirectory per task, removed when the task "
             "stops); empty: the system's temporary directory ($TMPDIR or /tmp).")
        .rule(check_topics_differ);
}

}  // namespace

const sdk::ConfigDef<Settings>& config_def() {
    static const Def def = declare_keys();
    return def;
}

}  // namespace ingest::plugins::sink_validator
