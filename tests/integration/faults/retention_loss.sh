#!/usr/bin/env bash
# Records deleted from the log before the sink read them are reported loudly, never skipped
# (issue 11): the shipped simulator, sink and validator (this test's topic and database) on the
# private real broker. The sink falls behind (stopped mid-stream, its offsets stored in PostgreSQL),
# and the head of its backlog is deleted from every partition where it is behind, as retention does:
# Kafka's DeleteRecords moves each partition's log start past records the sink never read, exactly
# the position a consumer finds after retention deleted segments (a real retention run needs the
# broker's 5-minute retention check; the consumer cannot tell the two apart).
#
# Then, with the exact gap of every partition known to the test:
#   - the sink's task, started again, is FAILED naming each partition's lost offsets (status trace
#     and log), its `ingest_sink_records_lost` gauge equals each gap, and no row is written after it;
#   - the validator's verdict is FAIL naming the same offsets, at once (not at its timeout);
#   - an operator who accepts the loss moves the sink's offsets past the gaps (KIP-875 `offsets
#     --set`): the sink drains the rest, the gauges fall to 0, and a restarted validator still FAILs,
#     counting as topic_missing exactly the confirmed records the log no longer holds.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

fresh_work_dir
require_runner

bootstrap=$(service_file kafka/bootstrap)
topic=retention-loss-$(date +%s)-$$
dlq=$topic.dlq
sim=rl-simulator
sink=rl-postgres
validator=rl-validator
INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" it_retention_loss)
export INGEST_PG_DSN
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
audit=$INGEST_STATE_DIR/user-events.audit.jsonl
report=$INGEST_STATE_DIR/validation-report.json
events=30000

mkdir connectors
# Paced (about 10 s of production), so that the sink can be stopped behind the topic's end.
shipped_connector user-events-simulator connectors "$sim" topic="$topic" events="$events" rate=3000 seed=5
# No automatic restarts: each would fail the same way; one FAILED state is what an operator sees.
shipped_connector user-events-postgres connectors "$sink" topics="$topic" errors.restart.max=0
shipped_connector user-events-validator connectors "$validator" topics="$topic,$dlq" source.topic="$topic" dlq.topic="$dlq" \
  sink.connector="$sink" timeout.ms=240000 source.topic.compacted=false

# Retention deletes from topics with cleanup.policy=delete (Kafka refuses DeleteRecords on compacted
# ones): the test creates the topic so, before the runner would create it as the shipped one.
"$INGEST_ROOT/scripts/kafka" topics --bootstrap "$bootstrap" -- --create --topic "$topic" --partitions 6 \
  --replication-factor 1 --config cleanup.policy=delete >/dev/null || fail "cannot create $topic"

log=$INGEST_TEST_WORK/ingest.log
"$INGEST_BIN" run --connectors connectors --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap" \
  >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")
wait_until 60 "the worker's REST API" test -s "$INGEST_STATE_DIR/rest" || { show_log "$log"; fail "no REST API"; }
rest=$(<"$INGEST_STATE_DIR/rest")
cli() {
  "$INGEST_BIN" "$@" --state-dir "$INGEST_STATE_DIR" >"$INGEST_TEST_WORK/cli.out" 2>&1 \
    || fail "'ingest $*' failed: $(cat "$INGEST_TEST_WORK/cli.out")"
}
runner_alive() { pid_alive "$runner" || { show_log "$log" 60; fail "ingest run exited"; }; }

# stored_offsets: "PARTITION NEXT_OFFSET" lines of the sink's own offsets table.
stored_offsets() {
  psql -X -q -tA -v ON_ERROR_STOP=1 -F ' ' -d "$INGEST_PG_DSN" -v c="$sink" -v t="$topic" <<'SQL'
SELECT kafka_partition, next_offset FROM ingest_offsets WHERE connector = :'c' AND topic = :'t' AND next_offset IS NOT NULL
ORDER BY kafka_partition;
SQL
}
committed() { stored_offsets 2>/dev/null | awk '{ sum += $2 } END { print sum + 0 }'; }
status_json() { curl -sS --max-time 30 "http://$rest/connectors/$1/status"; }
task_state() { status_json "$1" | python3 -c 'import json, sys; t = json.load(sys.stdin)["tasks"]; print(t[0]["state"] if t else "none")'; }
connector_state() { status_json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["connector"]["state"])'; }
is_state() { runner_alive && [[ $($1 "$2") == "$3" ]]; }
complete() { grep -q '"complete":true' "$audit" 2>/dev/null; }
# lost_gauge PARTITION: the sink's ingest_sink_records_lost series of PARTITION (empty: none).
lost_gauge() {
  curl -sS --max-time 30 "http://$rest/metrics" | awk -v c="connector=\"$sink\"" -v p="partition=\"$1\"" \
    '$1 ~ /^ingest_sink_records_lost\{/ && index($1, c) && index($1, p) { print $2 }'
}

at_least() { runner_alive && (($(committed) >= $1)); }
wait_until 120 "the sink to commit 3000 records" at_least 3000 || { show_log "$log"; fail "no progress"; }
cli connectors stop "$sink"
wait_until 60 "$sink to be STOPPED" is_state connector_state "$sink" STOPPED || fail "$sink did not stop"
wait_until 120 "the simulator to complete its stream" complete || { show_log "$log"; fail "the stream never completed"; }

# The validator is stopped while the records go, so that its verdict sees every gap at once (a
# deletion is applied partition by partition).
cli connectors stop "$validator"
wait_until 60 "$validator to be STOPPED" is_state connector_state "$validator" STOPPED || fail "$validator did not stop"

# Delete the first half of the sink's backlog on every partition where it is behind.
ends_text=$(partition_end_offsets "$bootstrap" "$topic") || fail "cannot read the end offsets of $topic"
mapfile -t ends <<<"$ends_text"
declare -A stored=() cut=()
while read -r partition next; do stored[$partition]=$next; done < <(stored_offsets)
spec='{"version": 1, "partitions": ['
separator=
lost_total=0
for line in "${ends[@]}"; do
  read -r partition end <<<"$line"
  from=${stored[$partition]:-}
  [[ -n $from ]] && ((end - from >= 2)) || continue
  cut[$partition]=$((from + (end - from) / 2))
  lost_total=$((lost_total + cut[$partition] - from))
  spec+="$separator{\"topic\": \"$topic\", \"partition\": $partition, \"offset\": ${cut[$partition]}}"
  separator=', '
done
spec+=']}'
((${#cut[@]} >= 2)) || fail "the sink was behind on fewer than two partitions (${#cut[@]}); stop it earlier"
echo "$spec" >delete-records.json
java -cp "$(kafka_home)/libs/*" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  org.apache.kafka.tools.DeleteRecordsCommand --bootstrap-server "$bootstrap" --offset-json-file delete-records.json \
  >delete-records.out 2>&1 && ! grep -qi error delete-records.out || fail "DeleteRecords failed: $(cat delete-records.out)"
for partition in "${!cut[@]}"; do
  echo "partition $partition: sink at ${stored[$partition]}, log start moved to ${cut[$partition]}"
done

# The sink, started again, finds every gap at once and stays FAILED.
before=$(committed)
cli connectors resume "$sink"
wait_until 60 "$sink's task to be FAILED" is_state task_state "$sink" FAILED || { show_log "$log"; fail "$sink did not fail"; }
trace=$(status_json "$sink")
for partition in "${!cut[@]}"; do
  from=${stored[$partition]} to=${cut[$partition]}
  gap="$topic/$partition offsets $from..$((to - 1)) ($((to - from)) records) were deleted"
  [[ $trace == *"$gap"* ]] || fail "the FAILED task's trace does not name '$gap': $trace"
  grep -qF "$gap" "$log" || fail "the log does not name '$gap'"
  [[ $(lost_gauge "$partition") == $((to - from)) ]] \
    || fail "ingest_sink_records_lost of partition $partition is '$(lost_gauge "$partition")', expected $((to - from))"
done
(($(committed) == before)) || fail "the sink committed $(($(committed) - before)) records past a gap"
pass "$sink FAILED naming ${#cut[@]} gaps ($lost_total records); ingest_sink_records_lost says the same"

# The validator's verdict: FAIL naming the same offsets, long before its 240 s timeout.
cli connectors resume "$validator"
wait_until 60 "the validator's verdict" test -s "$report" || { show_log "$log"; fail "no verdict"; }
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["verdict"]); print(r.get("aborted", ""))' "$report" >verdict.txt
[[ $(head -1 verdict.txt) == FAIL ]] || fail "the validator's verdict is $(head -1 verdict.txt), expected FAIL"
for partition in "${!cut[@]}"; do
  from=${stored[$partition]} to=${cut[$partition]}
  gap="$topic partition $partition offsets $from..$((to - 1)) ($((to - from)) records)"
  grep -qF "$gap" verdict.txt || fail "the validator's FAIL does not name '$gap': $(cat verdict.txt)"
done
pass "the validator FAILs naming every gap: $(tail -1 verdict.txt | head -c 300)"

# The operator accepts the loss: offsets moved past the gaps, the sink drains the rest.
cli connectors stop "$sink"
wait_until 60 "$sink to be STOPPED" is_state connector_state "$sink" STOPPED || fail "$sink did not stop"
set_args=()
for partition in "${!cut[@]}"; do set_args+=(--set "$topic:$partition=${cut[$partition]}"); done
cli connectors offsets "$sink" "${set_args[@]}"
cli connectors resume "$sink"
end_total=0
for line in "${ends[@]}"; do read -r _ end <<<"$line"; end_total=$((end_total + end)); done
drained() { runner_alive && (($(committed) == end_total)); }
wait_until 120 "$sink to drain to the topic's end ($end_total)" drained || { show_log "$log"; fail "$sink did not drain after the gaps"; }
for partition in "${!cut[@]}"; do
  [[ $(lost_gauge "$partition") == 0 ]] || fail "ingest_sink_records_lost of partition $partition stayed $(lost_gauge "$partition")"
done
pass "offsets moved past the gaps: $sink drained to $end_total, the gauges are 0"

# A new verdict: the table misses what the log lost; topic_missing counts every confirmed record
# below the new log starts, exactly.
rm -f "$report"
cli connectors restart "$validator" --include-tasks
wait_until 120 "the restarted validator's verdict" test -s "$report" || { show_log "$log"; fail "no second verdict"; }
below_log_start=0
for partition in "${!cut[@]}"; do below_log_start=$((below_log_start + cut[$partition])); done
python3 - "$report" "$below_log_start" <<'PY' || fail "the second verdict is wrong (see above)"
import json, sys
report = json.load(open(sys.argv[1]))
expected = int(sys.argv[2])
counts = report["counts"]
print("second verdict:", report["verdict"], report["summary"])
assert report["verdict"] == "FAIL", "expected FAIL"
assert counts["topic_missing"] == expected, f"topic_missing {counts['topic_missing']}, expected {expected}"
PY
pass "the restarted validator FAILs with topic_missing = $below_log_start, the records below the new log starts"
