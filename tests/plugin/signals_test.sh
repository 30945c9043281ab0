#!/usr/bin/env bash
# `ingest run` on the embedded broker: SIGTERM stops it cleanly (exit 0, the sink closed after
# committing; exit 1 when a task is FAILED, as the README says); with a sink that hangs in stop(), a
# second signal forces the exit at once.
#
#   signals_test.sh INGEST FIXTURE_DIR BAD_FIXTURE_DIR WORK_DIR
set -euo pipefail
ingest=$1 fixtures=$2 bad_fixtures=$3 work=$4
export INGEST_REST_LISTEN=127.0.0.1:0  # the REST API on a free port: tests run side by side
rm -rf "$work" && mkdir -p "$work/clean" "$work/forced" "$work/failed"
runner=
trap '[[ -n $runner ]] && kill -KILL "$runner" 2>/dev/null; true' EXIT

fail() { echo "FAIL: $*" >&2; [[ -f ${log:-} ]] && tail -n 30 "$log" >&2; exit 1; }
# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds or the deadline passes.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do ((SECONDS < deadline)) || fail "timed out waiting for $what"; sleep 0.1; done
}
exited() { ! kill -0 "$runner" 2>/dev/null; }

# 1. A clean stop: records flowing, then SIGTERM.
cat >"$work/clean/counter.json" <<JSON
{"name": "counter", "config": {"plugin": "fixture_counting_source", "topic": "numbers", "count": 1000,
 "deliveries.file": "$work/deliveries.txt"}}
JSON
cat >"$work/clean/recorder.json" <<JSON
{"name": "recorder", "config": {"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 50,
 "records.file": "$work/records.txt"}}
JSON
log=$work/clean.log
"$ingest" run --plugin-path "$fixtures" --connectors "$work/clean" --state-dir "$work/state-clean" >"$log" 2>&1 &
runner=$!
wait_for 60 "the sink to receive all 1000 records" bash -c "[[ \$(wc -l < '$work/records.txt' 2>/dev/null) == 1000 ]]"
kill -TERM "$runner"
wait_for 30 "a clean exit after SIGTERM" exited
status=0; wait "$runner" || status=$?; runner=
((status == 0)) || fail "exit status $status after one SIGTERM, expected 0"
grep -q 'recorder-0\] sink task stopped' "$log" || fail "the sink task did not stop cleanly"
grep -q 'revoked' "$log" || fail "the sink's partitions were not revoked (closed) on shutdown"
echo "PASS: SIGTERM stops cleanly"

# 2. A forced exit: the sink hangs in stop(); the second signal must not wait for it.
cat >"$work/forced/slow.json" <<JSON
{"name": "slow", "config": {"plugin": "fixture_slow_stop", "topics": "numbers"}}
JSON
log=$work/forced.log
"$ingest" run --plugin-path "$bad_fixtures" --connectors "$work/forced" --state-dir "$work/state-forced" >"$log" 2>&1 &
runner=$!
wait_for 30 "the slow sink to start" grep -q 'slow-stop sink started' "$log"
kill -INT "$runner"
wait_for 30 "the slow sink to begin stopping" grep -q 'slow-stop sink stopping' "$log"
started=$SECONDS
kill -INT "$runner"
wait_for 10 "the forced exit after a second SIGINT" exited
status=0; wait "$runner" || status=$?; runner=
((status == 130)) || fail "exit status $status after a second SIGINT, expected 130"
((SECONDS - started < 10)) || fail "the forced exit waited for the plugin"
grep -q 'second signal' "$log" || fail "no log line about the forced exit"
echo "PASS: a second signal forces the exit"

# 3. A task FAILED (its restarts used up) when the worker is stopped: exit 1, not 0.
cat >"$work/failed/boom.json" <<JSON
{"name": "boom", "config": {"plugin": "fixture_throwing_start", "topics": "numbers", "errors.restart.max": 0}}
JSON
log=$work/failed.log
"$ingest" run --plugin-path "$bad_fixtures" --connectors "$work/failed" --state-dir "$work/state-failed" >"$log" 2>&1 &
runner=$!
wait_for 30 "the task to fail" grep -q '"state":"FAILED"' "$work/state-failed/status.json"
kill -TERM "$runner"
wait_for 30 "the exit after SIGTERM" exited
status=0; wait "$runner" || status=$?; runner=
((status == 1)) || fail "exit status $status after SIGTERM with a FAILED task, expected 1"
echo "PASS: a FAILED task makes the stopped worker exit 1"
