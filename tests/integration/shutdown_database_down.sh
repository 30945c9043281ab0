#!/usr/bin/env bash
# SIGTERM while PostgreSQL is down: ingest exits within its documented shutdown time
# (SHUTDOWN_SECONDS, README "Exit codes and signals"), cleanly, without waiting out the sink's retries.
#
# The simulator streams into the private Kafka broker at a steady rate and sink_postgres writes it
# into a PostgreSQL of this test's own (so that stopping it touches no other test). Once rows arrive,
# the database is stopped; once the sink reports a failed write and waits to retry it, ingest gets
# SIGTERM. Its retry settings (seconds of backoff, 1000 retries) would keep that put() going for
# hours: only a wait that watches the host's stop request lets it exit in time.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly SHUTDOWN_SECONDS=10
readonly STREAM_TOPIC=shutdown-db-down-$(date +%s)-$$

fresh_work_dir
require_runner
bootstrap=$(service_file kafka/bootstrap)
pg_dir=$INGEST_TEST_WORK/postgres
stop_database() { "$INGEST_ROOT/scripts/postgres" stop --dir "$pg_dir" >/dev/null 2>&1 || true; }
trap 'kill_test_processes; stop_database' EXIT
"$INGEST_ROOT/scripts/postgres" start --dir "$pg_dir" >/dev/null || fail "cannot start a private PostgreSQL in $pg_dir"
dsn=$(<"$pg_dir/dsn")

mkdir connectors
cat >connectors/simulator.json <<JSON
{"name": "shutdown-simulator", "config": {
  "plugin": "source_event_simulator", "topic": "$STREAM_TOPIC", "topic.partitions": "2",
  "events": "0", "rate": "2000", "audit.log": "$INGEST_TEST_WORK/audit.jsonl"}}
JSON
cat >connectors/postgres.json <<JSON
{"name": "shutdown-postgres", "config": {
  "plugin": "sink_postgres", "topics": "$STREAM_TOPIC", "connection.dsn": "$dsn",
  "batch.max.ms": "200", "retry.max": "1000", "retry.backoff.ms": "9000", "retry.backoff.max.ms": "60000"}}
JSON

log=$INGEST_TEST_WORK/ingest.log
"$INGEST_BIN" run --connectors connectors --bootstrap "$bootstrap" --state-dir "$INGEST_TEST_WORK/state" \
  >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")

rows() { psql -X -q -tA -d "$dsn" -c 'SELECT count(*) FROM events' 2>/dev/null || echo 0; }
alive_with_rows() {
  pid_alive "$runner" || { show_log "$log"; fail "ingest exited before the database was stopped"; }
  (($(rows) > 0))
}
wait_until 120 "the sink to commit rows" alive_with_rows || { show_log "$log"; fail "no rows arrived in events"; }
pass "rows are arriving ($(rows) so far)"

stop_database
retrying() { grep -q 'shutdown-postgres-0.*failed, retry 1/1000 in [0-9]* ms' "$log"; }
wait_until 60 "the sink to retry against the stopped database" retrying \
  || { show_log "$log"; fail "the sink never reported a failed write after the database stopped"; }
retry_line=$(grep -m1 'shutdown-postgres-0.*failed, retry 1/1000 in [0-9]* ms' "$log")
announced_ms=$(sed -E 's/.*retry 1\/1000 in ([0-9]+) ms.*/\1/' <<<"$retry_line")
pass "the sink waits ${announced_ms} ms to retry: $(cut -c1-160 <<<"$retry_line")"

started_ms=$(date +%s%3N)
kill -TERM "$runner"
status=0
exited() { not pid_alive "$runner"; }
wait_until $((SHUTDOWN_SECONDS + 5)) "ingest to exit after SIGTERM" exited || true
took_ms=$(($(date +%s%3N) - started_ms))
took=$(((took_ms + 999) / 1000))
if pid_alive "$runner"; then
  show_log "$log" 60
  fail "ingest still runs ${took}s after SIGTERM while PostgreSQL is down (documented: ${SHUTDOWN_SECONDS}s)"
fi
wait "$runner" || status=$?
assert_no_crash "$status" "$log"
((took <= SHUTDOWN_SECONDS)) || { show_log "$log" 60; fail "ingest took ${took_ms} ms to exit after SIGTERM (documented: ${SHUTDOWN_SECONDS}s)"; }
# The retry's wait (4.5 to 9 s with these settings) was cut short, not waited out.
((took_ms * 2 < announced_ms)) \
  || { show_log "$log" 60; fail "ingest took ${took_ms} ms to exit: it waited out the sink's ${announced_ms} ms retry backoff"; }
((status == 0)) || { show_log "$log" 60; fail "ingest exited $status after SIGTERM; a stop during retries is not a failure"; }
grep -q 'shutdown-postgres-0.*stopp' "$log" || { show_log "$log"; fail "no stop of the sink task in the log"; }
pass "ingest exited 0 ${took_ms} ms after SIGTERM with PostgreSQL down, in a ${announced_ms} ms retry wait (documented: within ${SHUTDOWN_SECONDS}s)"
