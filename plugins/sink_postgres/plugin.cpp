// sink_postgres: user events from Kafka into PostgreSQL with exactly-once effect.
#include "postgres_sink_task.hpp"
#include "settings.hpp"
#include "sink_counters.hpp"

INGEST_SINK_PLUGIN(ingest::plugins::sink_postgres::PostgresSinkTask, "sink_postgres", "0.1.0",
                   "Writes user events to PostgreSQL: upserts by revision, remembered deletions, "
                   "dead letters, offsets in the same transaction as the rows.",
                   ingest::plugins::sink_postgres::kConfig, ingest::sdk::kOwnsOffsets,
                   ingest::plugins::sink_postgres::kSinkMetrics)
