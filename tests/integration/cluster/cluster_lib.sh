# shellcheck shell=bash
# Shared by the cluster-mode tests: workers of one cluster on the private broker, their REST APIs,
# where their tasks run, and the three shipped connectors. Source after ../lib.sh; the test sets
# cluster, bootstrap, sink and INGEST_PG_DSN first.

declare -A pid=()
# start_worker NAME: `ingest run --cluster` as worker NAME (its state in $INGEST_TEST_WORK/NAME, its
# log in NAME.log), with a 6 s session so that a dead worker's tasks move within the test's time.
start_worker() {
  local worker=$1
  "$INGEST_BIN" run --cluster "$cluster" --worker-id "$worker" --bootstrap "$bootstrap" \
    --state-dir "$INGEST_TEST_WORK/$worker" --rest-auth none --cluster-session-timeout-ms 6000 \
    >"$INGEST_TEST_WORK/$worker.log" 2>&1 </dev/null &
  pid[$worker]=$!
  test_pids+=("${pid[$worker]}")
}
alive() { pid_alive "${pid[$1]}" || { show_log "$INGEST_TEST_WORK/$1.log" 60; fail "worker $1 exited"; }; }
# holds_slots WORKER N: WORKER's log says it holds N of the 48 task slots.
holds_slots() { alive "$1" && grep -q "worker $1 holds $2 of 48 task slots" "$INGEST_TEST_WORK/$1.log"; }
rest() { cat "$INGEST_TEST_WORK/$1/rest"; }
# api WORKER METHOD PATH [BODY-FILE]: the body of the answer; fails on any status >= 300.
api() {
  local worker=$1 method=$2 path=$3 body=${4:-}
  curl -sS --fail-with-body -X "$method" -H 'Content-Type: application/json' ${body:+--data-binary "@$body"} \
    "http://$(rest "$worker")$path"
}
# placement WORKER: "connector/task STATE worker_id" per task, as WORKER's REST API shows them.
placement() {
  api "$1" GET '/connectors?expand=status' | python3 -c '
import json, sys
for name, entry in sorted(json.load(sys.stdin).items()):
    for task in entry["status"]["tasks"]:
        print(name + "/" + str(task["id"]), task["state"], task["worker_id"])'
}
# committed: the sink's stored offsets, summed.
committed() {
  psql -X -q -tA -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" -v c="$sink" 2>/dev/null \
    <<<"SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = :'c';" || echo 0
}
progress_after() { (($(committed) > $1)); }
# create_connectors WORKER SIM SINK VALIDATOR TOPIC EVENTS SEED SINK_TASKS: the shipped connectors,
# paced at 2000 records/s, written to bodies/ and created through WORKER's REST API.
create_connectors() {
  local worker=$1 sim=$2 sink=$3 validator=$4 topic=$5 events=$6 seed=$7 tasks=$8
  mkdir -p bodies
  shipped_connector user-events-simulator bodies "$sim" topic="$topic" events="$events" rate=2000 seed="$seed"
  shipped_connector user-events-postgres bodies "$sink" topics="$topic" tasks.max="$tasks"
  shipped_connector user-events-validator bodies "$validator" topics="$topic,$topic.dlq" source.topic="$topic" \
    dlq.topic="$topic.dlq" sink.connector="$sink" timeout.ms=240000
  local connector
  for connector in "$sim" "$sink" "$validator"; do
    api "$worker" POST /connectors "bodies/$connector.json" >/dev/null || fail "worker $worker refused to create $connector"
  done
}
# check_run SIM_EVENTS: the table, topic, dead letters and the validator's report against the truth
# (faults/check_resumed_run.py, which shares no code with the plugins).
check_run() {
  python3 "$INGEST_ROOT/tests/integration/faults/check_resumed_run.py" --audit "$audit" --report "$report" \
    --dsn "$INGEST_PG_DSN" --bootstrap "$bootstrap" --topic "$topic" --dlq "$topic.dlq" --sink-connector "$sink" \
    --events "$1" || fail "the run does not match the truth (see FAIL above)"
}
# verdict_pass WORKER VALIDATOR: waits for the validator's verdict and requires PASS.
verdict_pass() {
  local worker=$1 validator=$2
  has_verdict() { alive "$worker" && api "$worker" GET "/connectors/$validator/status" | grep -q '"verdict"'; }
  wait_until 300 "the validator's verdict" has_verdict || fail "no verdict"
  api "$worker" GET "/connectors/$validator/status" | grep -q '"passed":true' \
    || { api "$worker" GET "/connectors/$validator/status" >&2; fail "the verdict is not PASS"; }
}
# stop_worker WORKER: SIGTERM, then a clean exit (no crash, status 0).
stop_worker() {
  local worker=$1 status=0
  kill -TERM "${pid[$worker]}"
  wait_until 60 "worker $worker to stop on SIGTERM" not pid_alive "${pid[$worker]}" || fail "$worker did not stop"
  wait "${pid[$worker]}" || status=$?
  assert_no_crash "$status" "$INGEST_TEST_WORK/$worker.log"
  ((status == 0)) || { show_log "$INGEST_TEST_WORK/$worker.log" 40; fail "worker $worker exited $status on SIGTERM"; }
}
