#!/usr/bin/env bash
# Exactly-once effect across SIGKILL (DESIGN.md §4): the runner is killed twice in the middle
# of a large stream, restarted, and the table ends exactly equal to the truth.
#
# 1. The simulator alone produces the whole stream (--until-done) to a topic of its own on the private
#    Apache Kafka broker, which runs as its own process, so the topic survives the kills. It runs to
#    completion first because its audit log, the validator's truth, starts over when it restarts.
# 2. sink_postgres drains the topic into a fresh database; once it committed KILL_AT_1 % of the topic,
#    the runner gets SIGKILL; a second runner resumes and gets SIGKILL at KILL_AT_2 %.
# 3. A third runner with the sink and the validator runs --until-done: exit 0, the validator's PASS
#    (table == state derived from the audit log: nothing lost, nothing doubled; topic == audit log;
#    every malformed record dead-lettered), the table's row count equals the report's expected rows,
#    and the restarted sink received exactly the records after its stored offsets.
#
# KILL_RESTART_EVENTS (default 200000) sizes the stream.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly EVENTS=${KILL_RESTART_EVENTS:-200000}
readonly KILL_AT_1=25 KILL_AT_2=60
readonly SINK=kill-restart-postgres
# A topic per run: the kafka fixture's broker outlives one test when ctest repeats it.
readonly STREAM_TOPIC=kill-restart-events-$(date +%s)-$$
readonly DLQ_TOPIC=$STREAM_TOPIC.dlq

fresh_work_dir
require_runner
[[ $EVENTS =~ ^[1-9][0-9]*$ ]] || fail "KILL_RESTART_EVENTS must be a positive whole number, not '$EVENTS'"
bootstrap=$(service_file kafka/bootstrap)
dsn=$(fresh_database "$(service_file postgres/dsn)" it_kill_restart)
audit=$INGEST_TEST_WORK/audit.jsonl
report=$INGEST_TEST_WORK/validation-report.json
mkdir simulator sink sink-and-validator

cat >simulator/simulator.json <<JSON
{"name": "kill-restart-simulator", "config": {
  "plugin": "source_event_simulator", "topic": "$STREAM_TOPIC", "topic.partitions": "6",
  "events": "$EVENTS", "seed": "7", "rate": "0",
  "late.rate": "0.05", "duplicate.rate": "0.04", "duplicate.stale.fraction": "0.3",
  "correction.rate": "0.03", "invalidation.rate": "0.01", "deletion.rate": "0.01", "malformed.rate": "0.01",
  "audit.log": "$audit", "progress.interval.ms": "2000"}}
JSON
cat >sink/postgres.json <<JSON
{"name": "$SINK", "config": {
  "plugin": "sink_postgres", "topics": "$STREAM_TOPIC", "errors.deadletterqueue.topic.name": "$DLQ_TOPIC",
  "connection.dsn": "$dsn", "batch.max.records": "5000", "batch.max.ms": "500"}}
JSON
cp sink/postgres.json sink-and-validator/
cat >sink-and-validator/validator.json <<JSON
{"name": "kill-restart-validator", "config": {
  "plugin": "sink_validator", "topics": "$STREAM_TOPIC,$DLQ_TOPIC", "connection.dsn": "$dsn",
  "audit.log": "$audit", "report.path": "$report", "sink.connector": "$SINK",
  "source.topic": "$STREAM_TOPIC", "dlq.topic": "$DLQ_TOPIC", "timeout.ms": "240000"}}
JSON

# run_to_completion NAME CONNECTORS_DIR: ingest run --until-done, which must exit 0 within 300s.
run_to_completion() {
  local name=$1 connectors=$2 status=0
  local log=$INGEST_TEST_WORK/$name.log
  echo "running $name: ingest run --connectors $connectors --until-done"
  timeout -k 10 300 "$INGEST_BIN" run --connectors "$connectors" --bootstrap "$bootstrap" --until-done \
    --state-dir "$INGEST_TEST_WORK/state-$name" >"$log" 2>&1 </dev/null || status=$?
  ((status != 124 && status != 137)) || { show_log "$log"; fail "$name did not finish within 300s"; }
  assert_no_crash "$status" "$log"
  ((status == 0)) || { show_log "$log" 60; fail "$name: ingest run exited $status"; }
}

# What the sink committed: the sum of its stored next offsets (0 before its tables exist).
committed() {
  psql -X -q -tA -d "$dsn" -v ON_ERROR_STOP=1 -v connector="$SINK" -v topic="$STREAM_TOPIC" 2>/dev/null <<'SQL' \
    || echo 0
SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = :'connector' AND topic = :'topic';
SQL
}

# True once no other client is connected to the test's database. A COMMIT the killed runner had
# already sent still completes on the server after the runner is gone; what it committed counts
# only once its connections are closed.
no_other_clients() {
  local n
  n=$(psql -X -q -tA -d "$dsn" -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'") \
    && ((n == 0))
}

# --- 1. the whole stream, produced once
run_to_completion produce simulator
complete_line=$(grep '"complete":true' "$audit") || fail "the audit log $audit has no completion line"
confirmed=$(sed -n 's/.*"confirmed":\([0-9]*\).*/\1/p' <<<"$complete_line")
((confirmed == EVENTS)) || fail "the broker confirmed $confirmed of $EVENTS records: $complete_line"
# A fresh topic from an idempotent, non-transactional producer has no gaps: its end offsets sum to
# the records confirmed, which is where the sink's offsets must arrive.
end_offsets=$(topic_end_offsets "$bootstrap" "$STREAM_TOPIC") || fail "cannot read the end offsets of $STREAM_TOPIC"
((end_offsets == confirmed)) || fail "the topic's end offsets sum to $end_offsets, the audit log confirmed $confirmed"
pass "phase 1: $confirmed records in $STREAM_TOPIC (6 partitions) on $bootstrap"

# --- 2. the sink, killed twice mid-stream
runner=
reached() { (($(committed) * 100 >= $1 * confirmed)); }
kill_sink_at() {
  local percent=$1 name=sink-killed-at-$1 before after status=0
  local log=$INGEST_TEST_WORK/$name.log
  "$INGEST_BIN" run --connectors sink --bootstrap "$bootstrap" --state-dir "$INGEST_TEST_WORK/state-$name" \
    >"$log" 2>&1 </dev/null &
  runner=$!
  test_pids+=("$runner")
  sink_alive_and_reached() {
    pid_alive "$runner" || { show_log "$log"; fail "$name: the runner exited before the kill"; }
    reached "$percent"
  }
  # A restarted member waits for the killed one's session (6 s) to expire before it is assigned.
  wait_until 180 "the sink to commit $percent% of the topic" sink_alive_and_reached \
    || { show_log "$log"; fail "$name: the sink did not reach $percent% of $confirmed records"; }
  before=$(committed)
  kill -KILL "$runner"
  wait "$runner" || status=$?
  ((status == 137)) || { show_log "$log"; fail "$name: the runner exited $status, not by SIGKILL"; }
  wait_until 30 "the killed runner's database connections to close" no_other_clients \
    || fail "$name: the killed runner's connections to $dsn are still open after 30 s"
  after=$(committed)
  ((after >= before)) || fail "$name: committed offsets went back from $before to $after"
  ((after < confirmed)) || fail "$name: the sink had drained the whole topic before the kill; raise KILL_RESTART_EVENTS"
  pass "phase 2: SIGKILL with $after of $confirmed records committed ($name)"
  committed_at_last_kill=$after
}
kill_sink_at "$KILL_AT_1"
kill_sink_at "$KILL_AT_2"

# --- 3. restart with the validator: the table must equal the truth
run_to_completion sink-and-validator sink-and-validator
log=$INGEST_TEST_WORK/sink-and-validator.log
grep -q "connector kill-restart-validator task 0: .*verdict PASS" "$log" \
  || { show_log "$log" 60; fail "no 'verdict PASS' from kill-restart-validator in $log"; }
grep 'verdict PASS' "$log"
[[ -s $report ]] || fail "the validator wrote no report to $report"
counts=$(sed -n 's/.*"counts":{\([^}]*\)}.*/\1/p' "$report")
expected_rows=$(sed -n 's/.*"expected":\([0-9]*\).*/\1/p' <<<"$counts")
[[ -n $expected_rows ]] || fail "no counts.expected in $report"
table_rows=$(psql -X -q -tA -d "$dsn" -v ON_ERROR_STOP=1 -c 'SELECT count(*) FROM events') \
  || fail "cannot count the rows of events"
((table_rows == expected_rows)) || fail "events holds $table_rows rows, the validator expected $expected_rows"
# Consumption resumed exactly at the stored offsets: the last runner's sink saw only the rest.
counters=$(grep -m 1 -o 'sink_postgres stopping: .*' "$log") || fail "no closing counters of sink_postgres in $log"
resumed_records=$(sed -E 's/.* records=([0-9]+).*/\1/' <<<"$counters")
((resumed_records == confirmed - committed_at_last_kill)) \
  || fail "the restarted sink got $resumed_records records, $((confirmed - committed_at_last_kill)) were left after the kill: $counters"
final=$(committed)
((final == confirmed)) || fail "the sink's offsets sum to $final after the run, the topic holds $confirmed"
pass "phase 3: exit 0, validator PASS, events holds exactly the $expected_rows expected rows ($counts)"
