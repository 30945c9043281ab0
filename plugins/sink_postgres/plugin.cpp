// sink_postgres: user events from Kafka into PostgreSQL with exactly-once effect (issue 4).
#include "postgres_sink_task.hpp"
#include "settings.hpp"

INGEST_SINK_PLUGIN(ingest::sink_postgres::PostgresSinkTask, "sink_postgres", "0.1.0",
                   "Writes user events to PostgreSQL: upserts by revision, remembered deletions, "
                   "dead letters, offsets in the same transaction as the rows.",
                   ingest::sink_postgres::kConfigKeys, true)
