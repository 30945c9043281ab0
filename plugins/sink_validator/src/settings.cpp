#include "settings.hpp"

namespace ingest::plugins::sink_validator {

Settings read_settings(const sdk::Config& config) {
    Settings settings;
    settings.audit_log = config.get_string("audit.log");
    settings.audit_log_tasks = config.get_int("audit.log.tasks");
    settings.dsn = config.get_string("connection.dsn");
    settings.schema = config.get_string("schema");
    settings.table = config.get_string("table");
    settings.deletions_table = config.get_string("deletions.table");
    settings.offsets_table = config.get_string("offsets.table");
    settings.sink_connector = config.get_string("sink.connector");
    settings.source_topic = config.get_string("source.topic");
    settings.dlq_topic = config.get_string("dlq.topic");
    settings.timeout_ms = config.get_int("timeout.ms");
    settings.report_path = config.get_string("report.path");
    settings.examples_max = config.get_int("examples.max");
    settings.late_threshold_ms = config.get_int("late.threshold.ms");

    auto require_text = [](const std::string& value, const char* key) {
        if (value.empty()) throw sdk::FatalError(std::string("config key '") + key + "' is empty");
    };
    require_text(settings.audit_log, "audit.log");
    require_text(settings.dsn, "connection.dsn");
    require_text(settings.schema, "schema");
    require_text(settings.table, "table");
    require_text(settings.deletions_table, "deletions.table");
    require_text(settings.offsets_table, "offsets.table");
    require_text(settings.sink_connector, "sink.connector");
    require_text(settings.source_topic, "source.topic");
    require_text(settings.dlq_topic, "dlq.topic");
    if (settings.source_topic == settings.dlq_topic)
        throw sdk::FatalError("config keys 'source.topic' and 'dlq.topic' name the same topic '" +
                              settings.source_topic + "'");
    return settings;
}

}  // namespace ingest::plugins::sink_validator
