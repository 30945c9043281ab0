#!/usr/bin/env bash
# A database that does not keep up leaves the sink behind with its memory bounded (issue 11): the
# sink worker's memory follows its consumer's prefetch bound, not the backlog. Worker S runs only
# the shipped sink (this test's topic and database, its prefetch queue lowered to 2 MiB with
# `consumer.override.queued.max.messages.kbytes`, so that a short stream is many times the bound);
# worker P runs the simulator and the validator. While the simulator writes a 300,000-event stream
# (about 70 MB) as fast as it can, the sink's table is locked by this test, so the sink waits in its
# first write and nothing is committed. S's peak resident memory (VmHWM) then has grown by less
# than 32 MiB over its idle peak. Once the lock is gone the sink drains, and P's
# `ingest run --until-done` exits 0 with the validator's PASS.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

fresh_work_dir
require_runner

bootstrap=$(service_file kafka/bootstrap)
topic=slow-database-$(date +%s)-$$
dlq=$topic.dlq
sim=sd-simulator
sink=sd-postgres
validator=sd-validator
INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" it_slow_database)
export INGEST_PG_DSN
events=300000
queue_kib=2048
growth_bound_kib=$((32 * 1024))

mkdir p s
shipped_connector user-events-simulator p "$sim" topic="$topic" events="$events" rate=0 seed=17
shipped_connector user-events-validator p "$validator" topics="$topic,$dlq" source.topic="$topic" dlq.topic="$dlq" \
  sink.connector="$sink" timeout.ms=240000
shipped_connector user-events-postgres s "$sink" topics="$topic" consumer.override.queued.max.messages.kbytes="$queue_kib" \
  consumer.override.fetch.max.bytes=1048576 consumer.override.max.partition.fetch.bytes=262144 batch.max.records=2000
audit=$INGEST_TEST_WORK/p/state/user-events.audit.jsonl
# The sink's topic exists before its worker subscribes (the simulator's worker would create it later).
"$INGEST_ROOT/scripts/kafka" topics --bootstrap "$bootstrap" -- --create --topic "$topic" --partitions 6 \
  --replication-factor 1 >/dev/null || fail "cannot create $topic"

declare -A pid=()
start_worker() {
  local worker=$1
  shift
  INGEST_STATE_DIR=$INGEST_TEST_WORK/$worker/state "$INGEST_BIN" run --connectors "$worker" \
    --state-dir "$INGEST_TEST_WORK/$worker/state" --bootstrap "$bootstrap" "$@" \
    >"$INGEST_TEST_WORK/$worker.log" 2>&1 </dev/null &
  pid[$worker]=$!
  test_pids+=("${pid[$worker]}")
}
alive() { pid_alive "${pid[$1]}" || { show_log "$INGEST_TEST_WORK/$1.log" 60; fail "worker $1 exited"; }; }
peak_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/${pid[s]}/status"; }
sql() { psql -X -q -tA -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" "$@"; }
committed() { sql -c "SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = '$sink'" 2>/dev/null || echo 0; }

start_worker s
assigned() { alive s && grep -qE "\[$sink-0\] assigned $topic/" "$INGEST_TEST_WORK/s.log"; }
wait_until 60 "the sink to be assigned $topic" assigned || fail "the sink was never assigned its partitions"
idle_peak=$(peak_kib)

# The slow database: a session of this test holds the sink's table until it is terminated.
PGAPPNAME=slow_database_lock psql -X -q -d "$INGEST_PG_DSN" \
  -c 'BEGIN' -c 'LOCK TABLE public.events IN ACCESS EXCLUSIVE MODE' -c 'SELECT pg_sleep(600)' >/dev/null 2>&1 &
locker=$!
test_pids+=("$locker")
lock_held() { [[ $(sql -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'events' AND l.mode = 'AccessExclusiveLock' AND l.granted") == 1 ]]; }
wait_until 30 "the lock on the sink's table" lock_held || fail "the test could not lock the sink's table"
release_lock() { sql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'slow_database_lock'" >/dev/null; }
trap 'release_lock 2>/dev/null; kill_test_processes' EXIT

start_worker p --until-done
complete() { alive p && alive s && grep -q '"complete":true' "$audit" 2>/dev/null; }
wait_until 180 "the simulator to write its whole stream" complete || { show_log "$INGEST_TEST_WORK/p.log"; fail "the stream never completed"; }
waiting_sink() { [[ $(sql -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") -ge 1 ]]; }
# The stream can be complete before the sink's first batch reaches the table (300k records take the
# simulator a few seconds): wait for it.
wait_until 60 "the sink to wait for the table lock" waiting_sink || fail "the sink is not waiting for the table lock"
(($(committed) == 0)) || fail "the sink committed $(committed) records through the lock"
# The backlog's size: the keys and values of every record waiting in the topic.
backlog_bytes=$(kcat -C -b "$bootstrap" -t "$topic" -e -q -f '%K %S\n' 2>/dev/null \
  | awk '{ sum += ($1 > 0 ? $1 : 0) + ($2 > 0 ? $2 : 0) } END { print sum + 0 }')
peak=$(peak_kib)
growth=$((peak - idle_peak))
echo "sink worker: idle peak $((idle_peak / 1024)) MiB, peak while $events records wait $((peak / 1024)) MiB (+$((growth / 1024)) MiB); backlog $((backlog_bytes / 1048576)) MiB"
((growth < growth_bound_kib)) || fail "the sink worker grew by $((growth / 1024)) MiB while behind, over the $((growth_bound_kib / 1024)) MiB bound"
((backlog_bytes / 1024 > 2 * growth_bound_kib)) || fail "the backlog ($((backlog_bytes / 1048576)) MiB) is too small to show a bound of $((growth_bound_kib / 1024)) MiB"
pass "$events records behind a locked table: the sink worker grew by $((growth / 1024)) MiB (bound $((growth_bound_kib / 1024)) MiB)"

release_lock
wait_until 300 "P to finish with a verdict" not pid_alive "${pid[p]}" || { show_log "$INGEST_TEST_WORK/p.log" 60; fail "P did not finish"; }
status=0
wait "${pid[p]}" || status=$?
assert_no_crash "$status" "$INGEST_TEST_WORK/p.log"
((status == 0)) || { show_log "$INGEST_TEST_WORK/p.log" 60; fail "P's ingest run --until-done exited $status"; }
grep -q "connector $validator task 0: .*verdict PASS" "$INGEST_TEST_WORK/p.log" || { show_log "$INGEST_TEST_WORK/p.log" 60; fail "no verdict PASS"; }
kill -TERM "${pid[s]}"
wait_until 60 "S to stop on SIGTERM" not pid_alive "${pid[s]}" || fail "S did not stop on SIGTERM"
pass "the lock released, the sink drained and the validator PASSed"
