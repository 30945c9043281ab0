// The validator's configuration: the key table the runner validates against (declared once, here)
// and the typed settings a task reads from it.
#pragma once

#include "shared/pg/sink_tables.hpp"

#include <ingest/sdk.hpp>

#include <cstdint>
#include <string>

namespace ingest::plugins::sink_validator {

inline constexpr ingest_config_key kConfigKeys[] = {
    sdk::string_key("audit.log", nullptr,
                    "Path of the source's JSON Lines audit log (what was meant), as configured in "
                    "the source connector. Required. With audit.log.tasks = N > 1 the files "
                    "`<audit.log>.0` .. `<audit.log>.<N-1>` are read instead, as one log."),
    sdk::int_key("audit.log.tasks", "1",
                 "The source connector's tasks.max: how many audit logs its tasks write (task i "
                 "writes `<audit.log>.<i>` when above 1). Every one must exist and be complete "
                 "before a verdict; their records are judged together.",
                 1, 64),
    sdk::password_key("connection.dsn", nullptr,
                      "libpq connection string or URI of the database the sink writes. Required."),
    sdk::string_key("schema", shared::pg::kDefaultSchema, "Schema of the sink's tables."),
    sdk::string_key("table", shared::pg::kDefaultEventsTable, "The sink's events table."),
    sdk::string_key("deletions.table", shared::pg::kDefaultDeletionsTable,
                    "The sink's deletions table."),
    sdk::string_key("offsets.table", shared::pg::kDefaultOffsetsTable, "The sink's offsets table."),
    sdk::string_key("sink.connector", "user-events-postgres",
                    "Name of the sink connector whose stored offsets must reach the end of the "
                    "source topic before a verdict."),
    sdk::string_key("source.topic", "user-events",
                    "The topic the source writes and the sink reads; the connector's `topics` must "
                    "include it."),
    sdk::string_key("dlq.topic", "user-events.dlq",
                    "The sink's dead-letter topic; the connector's `topics` must include it."),
    sdk::int_key("timeout.ms", "600000",
                 "Deadline for a verdict, from task start. When it passes before everything is "
                 "ready, the verdict is FAIL naming what was still missing.",
                 1),
    sdk::string_key("report.path", "",
                    "Where to write the JSON report (counts, examples, verdict); empty: no file."),
    sdk::int_key("examples.max", "10", "Examples kept per discrepancy category.", 0, 100000),
    sdk::int_key("late.threshold.ms", "30000",
                 "An event whose received_time - event_time exceeds this is late.", 0),
};

struct Settings {
    std::string audit_log;
    int64_t audit_log_tasks = 1;
    std::string dsn;
    std::string schema;
    std::string table;
    std::string deletions_table;
    std::string offsets_table;
    std::string sink_connector;
    std::string source_topic;
    std::string dlq_topic;
    int64_t timeout_ms = 0;
    std::string report_path;
    int64_t examples_max = 0;
    int64_t late_threshold_ms = 0;
};

// Throws sdk::FatalError naming the key when a value is unusable.
Settings read_settings(const sdk::Config& config);

}  // namespace ingest::plugins::sink_validator
