#include "settings.hpp"

namespace ingest::plugins::sink_postgres {

using shared::pg::Partitioning;
namespace {

std::string non_empty(const sdk::Config& config, const char* name) {
    std::string value = config.get_string(name);
    if (value.empty()) throw sdk::FatalError(std::string("config key '") + name + "' must not be empty");
    return value;
}

}  // namespace

Settings read_settings(const sdk::Config& config, std::string_view connector_name) {
    Settings settings;
    settings.connection.dsn = non_empty(config, key::kDsn);
    settings.connection.sslmode = config.get_string(key::kSslMode);
    settings.connection.application_name = "ingest/" + std::string(connector_name);

    settings.tables.schema = non_empty(config, key::kSchema);
    settings.tables.events = non_empty(config, key::kTable);
    settings.tables.deletions = non_empty(config, key::kDeletionsTable);
    settings.tables.offsets = non_empty(config, key::kOffsetsTable);
    settings.tables.partitioning = config.get_string(key::kPartitioning) == "daily"
                                       ? Partitioning::Daily
                                       : Partitioning::None;
    const auto& t = settings.tables;
    if (t.events == t.deletions || t.events == t.offsets || t.deletions == t.offsets ||
        (t.partitioning == Partitioning::Daily &&
         (t.keys_table() == t.deletions || t.keys_table() == t.offsets)))
        throw sdk::FatalError("config keys 'table', 'deletions.table' and 'offsets.table' must "
                              "name different tables");

    settings.auto_create = config.get_bool(key::kAutoCreate);
    settings.late_threshold_us = config.get_int(key::kLateThresholdMs) * 1000;
    settings.retry_max = static_cast<int>(config.get_int(key::kRetryMax));
    settings.retry_backoff = std::chrono::milliseconds(config.get_int(key::kRetryBackoffMs));
    settings.retry_backoff_max = std::chrono::milliseconds(config.get_int(key::kRetryBackoffMaxMs));
    if (settings.retry_backoff_max < settings.retry_backoff)
        throw sdk::FatalError("config key 'retry.backoff.max.ms' must not be below 'retry.backoff.ms'");
    return settings;
}

}  // namespace ingest::plugins::sink_postgres
