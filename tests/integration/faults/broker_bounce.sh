#!/usr/bin/env bash
# The broker killed (-9) and started again mid-stream (issue 11, defect 1): the shipped pipeline on a
# private broker of this test's own, with the simulator still producing. The broker comes back on the
# same address (scripts/kafka keeps its port), the worker rides it out (a failed Kafka offset commit is
# not fatal; sink_postgres's offsets live in PostgreSQL), and the validator PASSes.
#
#   broker_bounce.sh until-done|long-running
#     until-done:    `ingest run --until-done` exits 0 with the validator's PASS;
#     long-running:  the worker runs on; the validator's report says PASS; SIGTERM exits 0.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mode=${1:?until-done or long-running}
[[ $mode == until-done || $mode == long-running ]] || fail "unknown mode '$mode'"
fresh_work_dir
require_runner
kafka_dir=$INGEST_TEST_WORK/kafka
stop_broker() { "$INGEST_ROOT/scripts/kafka" stop --dir "$kafka_dir" >/dev/null 2>&1 || true; }
trap 'kill_test_processes; stop_broker' EXIT

db=it_broker_bounce_${mode//-/_}
export INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" "$db")
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
# A paced stream (about 20 s), so that the broker dies while records are still being produced.
export INGEST_EVENTS=40000
bootstrap=$("$INGEST_ROOT/scripts/kafka" start --dir "$kafka_dir") || fail "the private broker did not start"
mkdir -p connectors
cp "$CONNECTORS_DIR"/*.json connectors/
sed -i 's/"rate": "0"/"rate": "2000"/' connectors/user-events-simulator.json
grep -q '"rate": "2000"' connectors/user-events-simulator.json || fail "could not pace the simulator"

args=(run --connectors connectors --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap")
[[ $mode == until-done ]] && args+=(--until-done)
log=$INGEST_TEST_WORK/ingest.log
"$INGEST_BIN" "${args[@]}" >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")

committed() {
  psql -X -q -t -A -d "$INGEST_PG_DSN" -c "SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets" 2>/dev/null || echo 0
}
committed_at_least() {
  pid_alive "$runner" || { show_log "$log"; fail "ingest run exited before the fault"; }
  (($(committed) >= $1))
}
wait_until 120 "the sink to commit 5000 records" committed_at_least 5000 || { show_log "$log"; fail "no progress before the fault"; }
before=$(committed)

broker_pid=$(<"$kafka_dir/broker.pid")
kill -KILL "$broker_pid"
wait_until 30 "the broker to die" not pid_alive "$broker_pid" || fail "the broker survived kill -9"
# The worker notices: librdkafka reports the refused connections (no fixed wait for the outage).
wait_until 60 "the worker to see the broker gone" grep -qE 'Connection refused|Disconnected|brokers are down' "$log" \
  || { show_log "$log"; fail "the worker never noticed the broker was gone"; }
again=$("$INGEST_ROOT/scripts/kafka" start --dir "$kafka_dir") || fail "the broker did not start again"
[[ $again == "$bootstrap" ]] || fail "the broker came back on $again, not $bootstrap"
pass "broker killed after $before committed records, back on $bootstrap"

report=$INGEST_STATE_DIR/validation-report.json
if [[ $mode == until-done ]]; then
  wait_until 300 "ingest run --until-done to exit" not pid_alive "$runner" || { show_log "$log"; fail "the run did not end"; }
  status=0
  wait "$runner" || status=$?
  assert_no_crash "$status" "$log"
  ((status == 0)) || { show_log "$log" 60; fail "ingest run --until-done exited $status after the broker bounce"; }
  grep -q 'verdict PASS' "$log" || { show_log "$log" 60; fail "no verdict PASS"; }
else
  wait_until 300 "the validator's verdict" test -s "$report" || { show_log "$log" 60; fail "no verdict"; }
  grep -q '"verdict":"PASS"' "$report" || { show_log "$log" 60; fail "verdict: $(head -c 600 "$report")"; }
  kill -TERM "$runner"
  wait_until 60 "the worker to exit" not pid_alive "$runner" || fail "the worker did not stop"
  status=0
  wait "$runner" || status=$?
  ((status == 0)) || { show_log "$log" 60; fail "the worker exited $status after SIGTERM (a task FAILED?)"; }
fi
[[ $(committed) == "$(topic_end_offsets "$bootstrap" "$TOPIC")" ]] || fail "stored offsets $(committed) differ from the topic's end"
pass "broker bounce ($mode): the validator PASSes, stored offsets equal the topic's end offsets"
