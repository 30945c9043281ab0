// The simulator's config table: the one place its keys, types, defaults, ranges and documentation
// are declared. The runner validates connector configs against it and generates docs from it.
#pragma once

#include "config.hpp"

#include <ingest/sdk.hpp>

namespace ingest::plugins::source_event_simulator {

inline constexpr const char* kLatenessDistributions[] = {"uniform", "log-uniform", nullptr};

// Large enough for any real run, small enough that the value survives a double exactly.
inline constexpr double kCountMax = 1e15;

inline constexpr ingest_config_key kConfigTable[] = {
    sdk::int_key(key::kEvents, "100000",
                 "Records to emit in total, counting every intent (creates, duplicates, "
                 "corrections, invalidations, deletions, malformed). 0: unbounded, until "
                 "duration.ms elapses or the connector is stopped. With tasks.max = N > 1 the "
                 "records are shared: task i emits events/N, one more for the first events%N "
                 "tasks (events must then be at least N).",
                 0, kCountMax),
    sdk::int_key(key::kDurationMs, "0",
                 "Stop emitting after this many milliseconds of wall-clock time, whichever of "
                 "events and duration.ms comes first. 0: no time limit.",
                 0, kCountMax),
    sdk::double_key(key::kRate, "0",
                    "Target records per second for the connector (each of tasks.max tasks paces "
                    "itself at rate/tasks.max), against the wall clock. 0: as fast as the "
                    "pipeline accepts (bounded by max.in.flight).",
                    0, 1e9),
    sdk::int_key(key::kUsers, "10000",
                 "Distinct users; user_id is `user-N` with N uniform in [1, users].", 1, 1e9),
    sdk::string_key(key::kEventTypes, "page_view:60,click:25,add_to_cart:10,purchase:5",
                    "Event types and their relative integer weights, as `name:weight,...`. Names "
                    "use [A-Za-z0-9_.-] (at most 64 characters, each once); weights are integers "
                    ">= 0 and at least one is above 0."),
    sdk::int_key(key::kSeed, "1",
                 "Random seed. The same seed and config produce the same records (intent, key, "
                 "value) in the same order; the simulated clock also derives from it, never from "
                 "the wall clock. With tasks.max = N > 1, task i draws from its own seed, derived "
                 "from (seed, i): the same seed, config and N produce the same streams; its "
                 "duplicates, corrections and deletions refer to its own events only."),
    sdk::double_key(key::kLateRate, "0.05",
                    "Share of records that are late creates: event_time older than received_time "
                    "by more than late.threshold.ms. The six *.rate keys must sum to at most 1; "
                    "the remainder are on-time creates.",
                    0, 1),
    sdk::double_key(key::kDuplicateRate, "0.05",
                    "Share of records that re-send an earlier record byte for byte (at-least-once "
                    "upstream), including records since superseded or deleted; see "
                    "duplicate.stale.fraction.",
                    0, 1),
    sdk::double_key(key::kCorrectionRate, "0.03",
                    "Share of records that correct a recent event: revision + 1, another "
                    "event_type (or user_id when there is one type), new received_time.",
                    0, 1),
    sdk::double_key(key::kInvalidationRate, "0.01",
                    "Share of records that invalidate a recent event: revision + 1, "
                    "is_valid=false.",
                    0, 1),
    sdk::double_key(key::kDeletionRate, "0.01",
                    "Share of records that delete a recent event: a tombstone (no value) keyed by "
                    "event_id. Nothing but stale duplicates follows for that event_id.",
                    0, 1),
    sdk::double_key(key::kMalformedRate, "0.01",
                    "Share of records that break the data contract (truncated or non-JSON value, "
                    "missing field, bad UUID, bad timestamp, wrong type or negative revision, key "
                    "different from event_id), for dead-letter testing.",
                    0, 1),
    sdk::double_key(key::kDuplicateStaleFraction, "0.3",
                    "Share of duplicates that re-send a record whose event has since been "
                    "corrected, invalidated or deleted: duplicates that must not win.",
                    0, 1),
    sdk::int_key(key::kLateThresholdMs, "30000",
                 "Lateness threshold, as the sink's: a record is late when received_time - "
                 "event_time exceeds it. On-time records stay within ontime.delay.max.ms.",
                 1, 30LL * 24 * 3600 * 1000),
    sdk::int_key(key::kLateMaxMs, "3600000",
                 "Largest lateness of a late create, in ms (must exceed late.threshold.ms when "
                 "late.rate > 0). Up to 30 days.",
                 1, 30LL * 24 * 3600 * 1000),
    sdk::string_key(key::kLateDistribution, "log-uniform",
                    "How lateness spreads over (late.threshold.ms, late.max.ms]: `uniform`, or "
                    "`log-uniform` (each power-of-two band equally likely: most late records are "
                    "minutes late, a few are hours late).",
                    kLatenessDistributions),
    sdk::int_key(key::kOntimeDelayMaxMs, "2000",
                 "Largest received_time - event_time of an on-time create, in ms (at most "
                 "late.threshold.ms).",
                 0, 30LL * 24 * 3600 * 1000),
    sdk::int_key(key::kHistorySize, "10000",
                 "Recent events (and recent records) remembered as targets of duplicates, "
                 "corrections, invalidations and deletions. Bounds the simulator's memory.",
                 1, 1e7),
    sdk::string_key(key::kAuditLog, "",
                    "Path of the JSON Lines audit log: one line per record handed over with its "
                    "intent, exact key and value, and Kafka partition/offset once confirmed (or "
                    "the delivery error), then a completion line with totals. Truncated at start; "
                    "its directory is created. Empty: no audit log. With tasks.max = N > 1 task i "
                    "writes `<audit.log>.<i>` (audit.jsonl.0 .. audit.jsonl.N-1) and nothing is "
                    "written at the path itself; set the validator's audit.log.tasks to N."),
    sdk::int_key(key::kAuditFlushRecords, "5000",
                 "Audit lines buffered before one write(); the log is also written on commit, on "
                 "stop and at least once a second. A crash loses at most the unwritten buffer.",
                 1, 1e7),
    sdk::int_key(key::kMaxInFlight, "50000",
                 "Bounded producer lead: records emitted but not yet confirmed or refused, counted "
                 "from the oldest unconfirmed one. poll() emits nothing while at the limit. Each "
                 "is held in memory (key and value) until its delivery report.",
                 1, 1e6),
    sdk::int_key(key::kProgressIntervalMs, "5000",
                 "Milliseconds between progress log lines (produced, confirmed, failed, rate). "
                 "0: none.",
                 0, 1e9),
};

}  // namespace ingest::plugins::source_event_simulator
