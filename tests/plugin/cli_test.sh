#!/usr/bin/env bash
# The operator CLI against a running worker (embedded broker, fixture plugins): every client command,
# its table and --json output, `status --watch` (frames, rates, lag, Ctrl-C, a worker going away),
# its exit codes when the connector is unknown, the token is wrong or no worker answers, and 405
# for a known path called with another method.
#
#   cli_test.sh INGEST FIXTURE_DIR WORK_DIR
set -euo pipefail
ingest=$1 fixtures=$2 work=$3
rm -rf "$work" && mkdir -p "$work/connectors"
runner= watcher=
trap '[[ -n $runner ]] && kill -KILL "$runner" 2>/dev/null; [[ -n $watcher ]] && kill -KILL "$watcher" 2>/dev/null; true' EXIT

fail() { echo "FAIL: $*" >&2; [[ -f ${log:-} ]] && tail -n 30 "$log" >&2; exit 1; }
pass() { echo "PASS: $*"; }
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do ((SECONDS < deadline)) || fail "timed out waiting for $what"; sleep 0.1; done
}
cli() { "$ingest" "$@" --state-dir "$work/state"; }
# expect_exit CODE COMMAND...: runs an ingest client command and checks its exit code.
expect_exit() {
  local want=$1 status=0
  shift
  "$ingest" "$@" >"$work/out" 2>"$work/err" || status=$?
  ((status == want)) || fail "'ingest $*' exited $status, expected $want: $(cat "$work/err")"
}
records() { wc -l <"$work/$1.txt" 2>/dev/null || echo 0; }

# A paced source (the mock broker keeps 5 MiB a partition: an unpaced one would push a paused
# consumer off its log), the recorder the commands act on, and a witness that keeps consuming.
cat >"$work/connectors/counter.json" <<JSON
{"name": "counter", "config": {"plugin": "fixture_paced_source", "topic": "numbers", "rate": 2000}}
JSON
for sink in recorder witness; do
  cat >"$work/connectors/$sink.json" <<JSON
{"name": "$sink", "config": {"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 50,
 "records.file": "$work/$sink.txt"}}
JSON
done
log=$work/worker.log
"$ingest" run --plugin-path "$fixtures" --connectors "$work/connectors" --state-dir "$work/state" \
  --rest-listen 127.0.0.1:0 >"$log" 2>&1 &
runner=$!
wait_for 60 "the worker to publish its REST address" test -s "$work/state/rest"
running() { cli connectors status "$1" --json | grep -q '"tasks":\[{"id":0,"state":"RUNNING"'; }
wait_for 60 "both connectors to run" bash -c "$(declare -f cli running); ingest='$ingest' work='$work'; running counter && running recorder"

# status and list: tables and JSON
cli status >"$work/out" || fail "ingest status failed"
grep -q '^worker http://127.0.0.1:' "$work/out" || fail "ingest status names no worker: $(cat "$work/out")"
grep -qE '^recorder +sink +RUNNING +1/1 running' "$work/out" || fail "ingest status lacks the recorder: $(cat "$work/out")"
cli connectors list --json | grep -q '"counter":{' || fail "connectors list --json lacks counter"
pass "status and list"

# status --watch: per task state, records/s, dead letters, errors, restarts and lag per partition,
# from GET /worker/metrics. Not a terminal: one frame after another, a blank line apart.
address=$(cat "$work/state/rest")
wait_for 30 "the recorder's first lag sample (at its first offset commit)" \
  bash -c "curl -sf 'http://$address/worker/metrics' | grep -q '\"ingest_sink_consumer_lag\"'"
cli status --watch --count 2 --interval 1 >"$work/watch" || fail "ingest status --watch --count 2 failed"
(($(grep -c '^worker http://127.0.0.1:.* every 1.0 s' "$work/watch") == 2)) || fail "not 2 frames: $(cat "$work/watch")"
(($(grep -c '^$' "$work/watch") == 5)) || fail "frames not a blank line apart: $(cat "$work/watch")"
first=$(awk '/^worker /{n++} n==1' "$work/watch")
second=$(awk '/^worker /{n++} n==2' "$work/watch")
grep -qE '^CONNECTOR +TYPE +TASK +STATE +RECORDS/S +DEAD-LETTERS +ERRORS +RESTARTS +LAG$' <<<"$second" ||
  fail "no task table header: $second"
# Rates need two samples: none in the first frame, the paced source's and the sinks' in the second.
grep -qE '^counter +source +0 +RUNNING +- ' <<<"$first" || fail "the first frame has a rate: $first"
grep -qE '^counter +source +0 +RUNNING +[0-9]+\.[0-9] +- +0 +0 +-$' <<<"$second" || fail "no source rate: $second"
grep -qE '^recorder +sink +0 +RUNNING +[0-9]+\.[0-9] +0 +0 +0 +[0-9]+$' <<<"$second" || fail "no sink row: $second"
grep -qE '^recorder +0 +numbers +[0-9]+ +[0-9]+$' <<<"$second" || fail "no lag per partition: $second"
cli status --watch --count 1 --json >"$work/watch.json" || fail "status --watch --json failed"
grep -q '"tasks":\[{"connector":"counter","type":"source","task":0,"state":"RUNNING","records_per_second":null' \
  "$work/watch.json" || fail "status --watch --json: $(cat "$work/watch.json")"
expect_exit 2 status --count 2 --state-dir "$work/state"
# SIGTERM (as Ctrl-C's SIGINT) ends an endless watch with exit 0.
# (The executable itself in the background, not the cli function's subshell, so the signal reaches it.)
"$ingest" status --watch --interval 0.2 --state-dir "$work/state" >"$work/watch-term" 2>&1 &
watcher=$!
wait_for 30 "the first frame of an endless watch" grep -q '^worker ' "$work/watch-term"
kill -TERM "$watcher"
status=0
wait "$watcher" || status=$?
watcher=
((status == 0)) || fail "status --watch exited $status after SIGTERM: $(cat "$work/watch-term")"
pass "status --watch: frames, rates from two samples, lag per partition, --json, SIGTERM"

# A known path called with a method it does not take: Kafka Connect's 405, not 404.
code=$(curl -s -o "$work/out" -w '%{http_code}' -X POST "http://$address/connectors/recorder/status")
[[ $code == 405 && $(cat "$work/out") == '{"error_code":405,"message":"HTTP 405 Method Not Allowed"}' ]] ||
  fail "POST .../status answered $code: $(cat "$work/out")"
pass "405 for a known path with another method"

# pause: no progress while paused (while the witness keeps consuming); resume: progress again
wait_for 60 "the recorder to write records" bash -c "(( \$(wc -l < '$work/recorder.txt' 2>/dev/null || echo 0) > 0 ))"
cli connectors pause recorder >/dev/null
paused() { cli connectors status recorder --json | grep -q '"connector":{"state":"PAUSED"'; }
wait_for 30 "recorder to be PAUSED" paused
wait_for 30 "the paused task to settle" bash -c "$(declare -f cli); ingest='$ingest' work='$work'; cli connectors status recorder --json | grep -q '\"state\":\"PAUSED\",\"worker_id\"'"
before=$(records recorder)
witnessed=$(records witness)
wait_for 60 "the witness to consume 2000 more records meanwhile" \
  bash -c "(( \$(wc -l < '$work/witness.txt') >= $witnessed + 2000 ))"
after=$(records recorder)
((after == before)) || fail "the paused recorder wrote $((after - before)) records"
cli connectors resume recorder >/dev/null
wait_for 30 "records after resume" bash -c "(( \$(wc -l < '$work/recorder.txt') > $after ))"
pass "pause holds progress ($after records), resume moves on"

# A changed file that is invalid: the table of connectors status shows why, the old version runs on.
cp "$work/connectors/witness.json" "$work/witness.json.good"
cat >"$work/connectors/witness.json.tmp" <<JSON
{"name": "witness", "config": {"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": "soon",
 "records.file": "$work/witness.txt"}}
JSON
mv "$work/connectors/witness.json.tmp" "$work/connectors/witness.json"
wait_for 30 "the refused version to be reported" bash -c "$(declare -f cli); ingest='$ingest' work='$work'; cli connectors status witness | grep -q '^  config error'"
cli connectors status witness >"$work/out"
grep -q 'batch.max.ms' "$work/out" || fail "the config error does not name batch.max.ms: $(cat "$work/out")"
grep -qE '^0 +RUNNING' "$work/out" || fail "the old version of witness does not run on: $(cat "$work/out")"
mv "$work/witness.json.good" "$work/connectors/witness.json"
wait_for 30 "the error to clear" bash -c "$(declare -f cli); ingest='$ingest' work='$work'; ! cli connectors status witness | grep -q 'config error'"
pass "connectors status shows a refused file's config error while the old version runs"

# stop: tasks gone, config kept; start: back
cli connectors stop counter >/dev/null
stopped() { cli connectors list | grep -qE '^counter +source +STOPPED +0/0 running'; }
wait_for 30 "counter to be STOPPED with no tasks" stopped
cli connectors describe counter | grep -q 'fixture_paced_source' || fail "a stopped connector lost its config"
cli connectors start counter >/dev/null
wait_for 30 "counter to run again" running counter
pass "stop keeps the config, start runs it again"

# restart with tasks: the restart count grows
cli connectors restart recorder --include-tasks >/dev/null
wait_for 30 "recorder's task to count a restart" bash -c "$(declare -f cli); ingest='$ingest' work='$work'; cli connectors status recorder --json | grep -q '\"restarts\":1'"
wait_for 30 "recorder to run after the restart" running recorder
pass "restart --include-tasks"

# exit codes: unknown connector 5, wrong token 4, no worker 3, bad usage 2
expect_exit 5 connectors status nope --state-dir "$work/state"
echo wrong-token >"$work/wrong-token"
expect_exit 4 connectors pause recorder --state-dir "$work/state" --token-file "$work/wrong-token"
cli connectors status recorder --json | grep -q '"connector":{"state":"RUNNING"' || fail "a refused pause changed the connector"
expect_exit 3 connectors list --url http://127.0.0.1:1
expect_exit 3 connectors list --state-dir "$work/no-worker-here"
expect_exit 2 connectors list --url not-an-address
pass "exit codes: 5 unknown connector, 4 refused token, 3 no worker, 2 usage"

# create -f: the file is written, the watcher starts it, in its initial_state
cat >"$work/late.json" <<JSON
{"name": "late", "initial_state": "PAUSED", "config": {"plugin": "fixture_recording_sink", "topics": "numbers",
 "records.file": "$work/late.txt"}}
JSON
cli connectors create -f "$work/late.json" | grep -q '^created connector late' || fail "create printed no confirmation"
[[ -e $work/connectors/late.json ]] || fail "create wrote no connectors/late.json"
wait_for 30 "late to appear PAUSED" bash -c "$(declare -f cli); ingest='$ingest' work='$work'; cli connectors list | grep -qE '^late +sink +PAUSED'"
pass "create -f with initial_state PAUSED"

# delete removes the connector and its file
cli connectors delete counter >/dev/null
gone() { ! cli connectors list | grep -q '^counter '; }
wait_for 30 "counter to be gone" gone
[[ ! -e $work/connectors/counter.json ]] || fail "delete left connectors/counter.json behind"
pass "delete"

# A watch whose worker goes away says so and exits 3.
"$ingest" status --watch --interval 0.2 --state-dir "$work/state" >"$work/watch-gone" 2>"$work/watch-gone.err" &
watcher=$!
wait_for 30 "the first frame before the worker stops" grep -q '^worker ' "$work/watch-gone"
kill -TERM "$runner"
wait_for 30 "the worker to exit" bash -c "! kill -0 $runner 2>/dev/null"
runner=
status=0
wait "$watcher" || status=$?
watcher=
((status == 3)) || fail "status --watch exited $status when the worker went away: $(cat "$work/watch-gone.err")"
grep -q '^ingest: the worker went away: ' "$work/watch-gone.err" || fail "no clear message: $(cat "$work/watch-gone.err")"
pass "status --watch: a worker that goes away ends it with exit 3"

# connectors.d/ must exist (an empty one is fine: a worker waiting for connectors).
expect_exit 2 run --plugin-path "$fixtures" --connectors "$work/no-such-dir" --state-dir "$work/state-none" \
  --rest-listen 127.0.0.1:0
grep -q "connectors directory $work/no-such-dir does not exist" "$work/err" "$work/out" ||
  fail "no clear error for a missing connectors directory: $(cat "$work/err" "$work/out")"
pass "a missing connectors directory: exit 2, named"
