// sink_validator: the proof that the pipeline is correct. It reconciles the source's audit log
// (what was meant), the Kafka topics (what was carried) and the PostgreSQL tables (what landed),
// and reports one verdict. It derives the expected table from the audit log on its own; what a
// well-formed record is, it asks the same shared decoder as the sink.
#include "settings.hpp"
#include "validator_metrics.hpp"
#include "validator_task.hpp"

#include <ingest/sdk.hpp>

INGEST_SINK_PLUGIN(ingest::plugins::sink_validator::ValidatorTask, "sink_validator", "0.1.0",
                   "Reconciles the audit log, the topic and the PostgreSQL table; reports a "
                   "verdict once the sink has caught up",
                   ingest::plugins::sink_validator::config_def(),
                   // Not kOwnsOffsets: the validator keeps nothing durable and rereads from the start.
                   ingest::sdk::kReportsVerdict, ingest::plugins::sink_validator::kValidatorMetrics)
