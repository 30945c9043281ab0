#!/usr/bin/env bash
# The whole pipeline killed (-9) and restarted, several times (issue 11, defect 2): one `ingest run`
# holds the shipped simulator, sink and validator (copies of connectors.d with this test's topic and
# database) on the private real broker; each kill takes all three down at once, and each restart
# uses the same state directory. The simulator continues its deterministic stream and its audit log
# (it sends again only the records whose outcome the kill left unknown), so the validator keeps one
# truth and the last run ends with its PASS and exact counts.
#
#   pipeline_kill_restart.sh short|long
#     short: 60,000 events at 2,500/s (about 24 s of production); three kills: mid-production (30 %
#            of the stream confirmed), near its end (90 %: the rest, about 2.5 s of production, goes
#            out while the restarted sink still waits for the killed member's 6 s session to
#            expire), and mid-drain (production complete, the sink behind the topic's end).
#     long:  PIPELINE_KILLS (default 20) kills of a PIPELINE_EVENTS (default 300,000) event stream at
#            5,000/s: all but the last at random points of production (PIPELINE_KILL_SEED, printed,
#            replays a schedule), the last mid-drain. ctest label `slow`:
#              ctest --test-dir <build> -R integration.faults.pipeline_kill_restart.long
#
# Then, as an outside client (check_resumed_run.py): the audit log has exactly one line per seq; the
# topic holds every confirmed record at its position and otherwise only identical copies of them
# (at least one: the kills left records whose outcome was unknown); the table equals the state
# derived from the topic in Kafka order, row by row, provenance included; deletions are final; every
# malformed record is dead-lettered; and the validator's counts equal the truth derived from the
# audit log alone.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly FAULTS_DIR

mode=${1:?short or long}
case $mode in
  short) events=60000 rate=2500 kills=3 ;;
  long) events=${PIPELINE_EVENTS:-300000} rate=5000 kills=${PIPELINE_KILLS:-20} ;;
  *) fail "unknown mode '$mode' (short or long)" ;;
esac
[[ $events =~ ^[1-9][0-9]*$ && $kills =~ ^[1-9][0-9]*$ ]] || fail "PIPELINE_EVENTS and PIPELINE_KILLS must be positive"
fresh_work_dir
require_runner

bootstrap=$(service_file kafka/bootstrap)
# A topic per run: the kafka fixture's broker outlives one test when ctest repeats it.
topic=pipeline-kill-$mode-$(date +%s)-$$
dlq=$topic.dlq
sim=pk-$mode-simulator
sink=pk-$mode-postgres
validator=pk-$mode-validator
INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" "it_pipeline_kill_$mode")
export INGEST_PG_DSN
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
audit=$INGEST_STATE_DIR/user-events.audit.jsonl
report=$INGEST_STATE_DIR/validation-report.json

mkdir connectors
shipped_connector user-events-simulator connectors "$sim" topic="$topic" events="$events" rate="$rate" seed=11 progress.interval.ms=5000
shipped_connector user-events-postgres connectors "$sink" topics="$topic"
shipped_connector user-events-validator connectors "$validator" topics="$topic,$dlq" source.topic="$topic" dlq.topic="$dlq" \
  sink.connector="$sink" timeout.ms=240000
grep -q "\"audit.log\": \"\${env:INGEST_STATE_DIR:-.run}/user-events.audit.jsonl\"" "connectors/$sim.json" \
  || fail "the shipped simulator no longer writes its audit log where this test reads it"

confirmed_lines() {
  local count
  count=$(grep -c '"status":"confirmed"' "$audit" 2>/dev/null) || true
  echo "${count:-0}"
}
complete() { grep -q '"complete":true' "$audit" 2>/dev/null; }
committed() {
  psql -X -q -tA -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" -v c="$sink" -v t="$topic" 2>/dev/null <<'SQL' || echo 0
SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = :'c' AND topic = :'t';
SQL
}

# The kill schedule: confirmed-record thresholds for the production kills, then one mid-drain kill.
thresholds=()
if [[ $mode == short ]]; then
  thresholds=($((events * 30 / 100)) $((events * 90 / 100)))
else
  seed=${PIPELINE_KILL_SEED:-$RANDOM}
  echo "kill schedule seed: $seed (PIPELINE_KILL_SEED=$seed replays it)"
  RANDOM=$seed
  for ((k = 1; k < kills; k++)); do
    # Kill k at a random point of its own stretch of 2 % .. 95 % of the stream: the last leaves
    # about 3 s of production for the restarted worker, less than the sink's wait for its partitions.
    thresholds+=($((events * (2000 + 93 * (1000 * (k - 1) + RANDOM % 1000) / (kills - 1)) / 100000)))
  done
fi

runner=
run=0
start_runner() {
  run=$((run + 1))
  log=$INGEST_TEST_WORK/run-$run.log
  "$INGEST_BIN" run --connectors connectors --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap" "$@" \
    >"$log" 2>&1 </dev/null &
  runner=$!
  test_pids+=("$runner")
}
runner_alive() { pid_alive "$runner" || { show_log "$log" 60; fail "run $run: ingest run exited before its kill"; }; }
kill_runner() {
  local what=$1 status=0
  kill -KILL "$runner"
  { wait "$runner"; } 2>/dev/null || status=$?
  ((status == 137)) || { show_log "$log"; fail "run $run: ingest run exited $status, not by SIGKILL"; }
  assert_no_crash 0 "$log"
  pass "kill $run ($what): $(confirmed_lines) records confirmed in the audit log, $(committed) committed by the sink"
}

started=$SECONDS
for threshold in "${thresholds[@]}"; do
  start_runner
  reached() { runner_alive && (($(confirmed_lines) >= threshold)); }
  wait_until 300 "$threshold records confirmed" reached || { show_log "$log"; fail "run $run: production stalled"; }
  kill_runner "mid-production, at $threshold confirmed"
done

# The last kill: production complete, the sink still behind the topic's end.
start_runner
production_done() { runner_alive && complete; }
wait_until 300 "the simulator to complete its stream" production_done || { show_log "$log"; fail "run $run: the stream never completed"; }
end=$(topic_end_offsets "$bootstrap" "$topic") || fail "cannot read the end offsets of $topic"
behind=$(committed)
((behind < end)) || fail "run $run: the sink had drained all $end records before the mid-drain kill; kill earlier"
kill_runner "mid-drain, the sink at $behind of $end"

# A restart that finishes: the simulator finds its stream complete and sends nothing; the sink
# drains; the validator judges.
start_runner --until-done
if ! wait_until 300 "the last run to finish" not pid_alive "$runner"; then
  show_log "$log" 60
  fail "run $run did not finish within 300 s"
fi
status=0
wait "$runner" || status=$?
assert_no_crash "$status" "$log"
((status == 0)) || { show_log "$log" 60; fail "run $run: ingest run --until-done exited $status"; }
grep -q "already holds this stream complete" "$log" || { show_log "$log"; fail "run $run: the simulator did not find its stream complete"; }
grep -q "connector $validator task 0: .*verdict PASS" "$log" || { show_log "$log" 60; fail "no verdict PASS from $validator"; }
grep 'verdict PASS' "$log"
resumed=$(cat "$INGEST_TEST_WORK"/run-*.log | grep -c 'continuing the stream of audit log' || true)
((resumed >= 1)) || fail "no run continued the stream: the kills came too early or too late"
torn=$(cat "$INGEST_TEST_WORK"/run-*.log | grep -c 'a line cut short' || true)
echo "$run runs in $((SECONDS - started)) s; the simulator continued its stream $resumed times, dropped $torn torn audit lines"

python3 "$FAULTS_DIR/check_resumed_run.py" --audit "$audit" --report "$report" --dsn "$INGEST_PG_DSN" \
  --bootstrap "$bootstrap" --topic "$topic" --dlq "$dlq" --sink-connector "$sink" --events "$events" \
  --expect-copies || fail "the run does not match the truth (see MISMATCH above)"
pass "$kills kills of the whole pipeline, then exit 0 and the validator's PASS with exact counts"
