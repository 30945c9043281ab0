#!/usr/bin/env bash
# Forced compaction (issue 11): the runner creates the simulator's topic compacted, with small
# segments, a low dirty ratio and a short delete.retention.ms (topic.creation.default.*), on a
# private broker of this test's own. The simulator produces its whole stream first; the test waits
# until Kafka's log cleaner has compacted part of it (kcat reads fewer records than the audit log
# confirms, with gaps in the offsets); only then do the sink and the validator start, so the sink
# reads a topic with records compacted away before it read them. The validator's verdict must be
# PASS, with topic_records + compacted = records, and the table must equal the truth derived from
# the audit log by an outside client (audit_truth.py; check_compacted_run.py).
#
# The stream has no duplicates (duplicate.rate 0): compaction keeps the last record of every key,
# so it is right only for a stream whose last record of every key is that key's final state, and a
# stale duplicate after a correction is not (docs/validation.md, Compacted topics).
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
SCENARIOS_DIR=$INGEST_ROOT/tests/integration/scenarios

fresh_work_dir
require_runner
kafka_dir=$INGEST_TEST_WORK/kafka
stop_broker() { "$INGEST_ROOT/scripts/kafka" stop --dir "$kafka_dir" >/dev/null 2>&1 || true; }
trap 'kill_test_processes; stop_broker' EXIT

export INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" it_compaction_forced)
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
export INGEST_EVENTS=${COMPACTION_EVENTS:-20000}
audit=$INGEST_STATE_DIR/user-events.audit.jsonl
report=$INGEST_STATE_DIR/validation-report.json
bootstrap=$("$INGEST_ROOT/scripts/kafka" start --dir "$kafka_dir") || fail "the private broker did not start"

# The shipped connectors, the simulator's topic settings made to compact within seconds: the
# broker's cleaner looks for dirty logs every log.cleaner.backoff.ms (15 s by default) and cleans
# every segment but the active one. Segments roll by time (segment.ms) while the paced stream
# (about 5 s) is produced; segment.bytes must stay above the producer's largest batch (about
# 1 MB), which the broker refuses otherwise (RECORD_LIST_TOO_LARGE).
mkdir -p producing connectors
cp "$CONNECTORS_DIR"/*.json connectors/
python3 - connectors/user-events-simulator.json <<'PY' || fail "cannot adapt the simulator's config"
import json, sys
path = sys.argv[1]
connector = json.load(open(path))
config = connector["config"]
assert config["topic.creation.default.cleanup.policy"] == "compact", "the shipped topic is not compacted"
config.update({
    "topic.creation.default.segment.bytes": "2097152",
    "topic.creation.default.segment.ms": "500",
    "rate": "4000",
    "topic.creation.default.min.cleanable.dirty.ratio": "0.01",
    "topic.creation.default.min.compaction.lag.ms": "0",
    "topic.creation.default.delete.retention.ms": "100",
    # Many versions per event, none out of order: much to compact, and right to compact.
    "duplicate.rate": "0", "correction.rate": "0.3", "invalidation.rate": "0.05", "deletion.rate": "0.05",
})
json.dump(connector, open(path, "w"), indent=2)
PY
grep -q '"source.topic.compacted": "true"' connectors/user-events-validator.json \
  || fail "the shipped validator does not know its topic is compacted"
cp connectors/user-events-simulator.json producing/

# 1. The simulator alone: the runner creates the topic with its settings, the stream is produced.
log1=$INGEST_TEST_WORK/produce.log
timeout 180 "$INGEST_BIN" run --connectors producing --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap" \
  --until-done >"$log1" 2>&1 </dev/null || { show_log "$log1"; fail "producing the stream failed"; }
grep -q "created topic 'user-events' with .*cleanup.policy=compact" "$log1" \
  || { show_log "$log1"; fail "the runner did not say it created user-events compacted"; }
described=$("$INGEST_ROOT/scripts/kafka" topics --dir "$kafka_dir" -- --describe --topic "$TOPIC") \
  || fail "cannot describe $TOPIC"
for setting in cleanup.policy=compact segment.bytes=2097152 segment.ms=500 min.cleanable.dirty.ratio=0.01 delete.retention.ms=100; do
  grep -q "$setting" <<<"$described" || fail "the broker's $TOPIC lacks $setting: $described"
done
pass "the runner created $TOPIC with its topic.creation.default.* settings"

truth=$INGEST_TEST_WORK/truth.json
python3 "$SCENARIOS_DIR/audit_truth.py" "$audit" >"$truth" || fail "inconsistent audit log"
failed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed"])' "$truth")
((failed == 0)) || fail "the broker refused $failed records: $(grep -m1 -o '"error":"[^"]*"' "$audit")"
produced=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$truth")
end=$(topic_end_offsets "$bootstrap" "$TOPIC") || fail "cannot read the end offsets of $TOPIC"
((end == produced)) || fail "the topic ends at $end records, the audit log confirms $produced"

# 2. Wait for the cleaner: fewer records than were produced, offsets with gaps.
topic_dump=$INGEST_TEST_WORK/topic.txt
read_topic() { kcat -C -b "$bootstrap" -t "$TOPIC" -e -q -f '%p %o\n' >"$topic_dump" 2>/dev/null; }
compacted_some() { read_topic && (($(wc -l <"$topic_dump") < produced)); }
wait_until 120 "the log cleaner to compact $TOPIC" compacted_some || fail "no compaction within 120 s"
remaining=$(wc -l <"$topic_dump")
gaps=$(sort -k1,1n -k2,2n "$topic_dump" | awk '$1 == p && $2 > o + 1 { g++ } { p = $1; o = $2 } END { print g + 0 }')
((gaps > 0)) || fail "compaction left no gap in the offsets"
pass "compaction before the sink started: $remaining of $produced records left, $gaps offset gaps"

# 3. The whole pipeline: the simulator finds its stream complete, the sink drains what is left,
#    the validator judges.
log2=$INGEST_TEST_WORK/pipeline.log
timeout 240 "$INGEST_BIN" run --connectors connectors --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap" \
  --until-done >"$log2" 2>&1 </dev/null || { show_log "$log2" 60; fail "the pipeline did not end with a PASS"; }
grep -q 'verdict PASS' "$log2" || { show_log "$log2" 60; fail "no verdict PASS"; }
python3 "$INGEST_ROOT/tests/integration/compaction/check_compacted_run.py" --truth "$truth" --report "$report" \
  --dsn "$INGEST_PG_DSN" --topic "$TOPIC" --sink-connector user-events-postgres \
  || fail "the run does not match the truth derived from the audit log (see MISMATCH above)"
compacted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["compacted"])' "$report")
pass "forced compaction: $compacted of $produced records compacted away, verdict PASS, table equal to the truth"
