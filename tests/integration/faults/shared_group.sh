#!/usr/bin/env bash
# Two, then three workers sharing one sink connector's consumer group (issue 11): worker A runs the
# shipped simulator, sink and validator (this test's topic and database); worker B runs the same
# sink connector (same name, so the same group and offsets table) from the start; worker C joins
# mid-stream, and then B is killed (-9) mid-stream. The group moves B's partitions to A and C once
# B's session expires; each sink resumes from the offsets stored in PostgreSQL with its rows, so
# nothing is lost or applied twice: A's `ingest run --until-done` exits 0 with the validator's PASS,
# and the validator's counts equal the truth from the audit log.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

fresh_work_dir
require_runner

bootstrap=$(service_file kafka/bootstrap)
topic=shared-group-$(date +%s)-$$
dlq=$topic.dlq
sim=sg-simulator
sink=sg-postgres
validator=sg-validator
INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" it_shared_group)
export INGEST_PG_DSN
events=40000

mkdir a b c
# Paced (about 20 s of production), so that C joins and B dies while records still arrive.
shipped_connector user-events-simulator a "$sim" topic="$topic" events="$events" rate=2000 seed=3
for worker in a b c; do shipped_connector user-events-postgres "$worker" "$sink" topics="$topic"; done
shipped_connector user-events-validator a "$validator" topics="$topic,$dlq" source.topic="$topic" dlq.topic="$dlq" \
  sink.connector="$sink" timeout.ms=240000
# The validator reads its audit log from A's state directory (INGEST_STATE_DIR in its config).
audit=$INGEST_TEST_WORK/a/state/user-events.audit.jsonl
report=$INGEST_TEST_WORK/a/state/validation-report.json

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
committed() {
  psql -X -q -tA -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" -v c="$sink" -v t="$topic" 2>/dev/null <<'SQL' || echo 0
SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = :'c' AND topic = :'t';
SQL
}
# partitions_of WORKER: the partitions of the sink task's latest assignment in WORKER's log.
partitions_of() {
  grep -E "\[$sink-0\] assigned" "$INGEST_TEST_WORK/$1.log" | tail -n 1 | grep -oE " $topic/[0-9]+" | sed 's/.*\///'
}
holds_partitions() { alive "$1" && [[ -n $(partitions_of "$1") ]]; }
progress_after() { alive a && (($(committed) > $1)); }

start_worker a --until-done
start_worker b
a_and_b() { holds_partitions a && holds_partitions b; }
wait_until 120 "A and B to share the sink's partitions" a_and_b || fail "A and B never both held partitions of $topic"
wait_until 120 "the sink to commit 5000 records" progress_after 5000 || fail "no progress with two workers"
pass "A and B share the group; $(committed) records committed"

start_worker c
joined() { holds_partitions c && holds_partitions b && holds_partitions a; }
wait_until 120 "C to join and receive partitions" joined || fail "C never received partitions"
at_join=$(committed)
wait_until 120 "progress after C joined" progress_after "$at_join" || fail "no progress after C joined"
! grep -q '"complete":true' "$audit" || fail "the stream completed before C joined; pace the simulator slower"
pass "C joined mid-stream at $at_join committed records"

kill -KILL "${pid[b]}"
wait_until 30 "B to die" not pid_alive "${pid[b]}" || fail "B survived kill -9"
at_kill=$(committed)
! grep -q '"complete":true' "$audit" || fail "the stream completed before B was killed; pace the simulator slower"
partition_count=$(partition_end_offsets "$bootstrap" "$topic" | wc -l)
# A and C between them hold every partition again, and the sink moves on.
takeover() {
  alive a && alive c || return 1
  (($(sort -u <(partitions_of a) <(partitions_of c) | wc -l) == partition_count)) && progress_after "$at_kill"
}
wait_until 60 "A and C to take B's partitions over" takeover || fail "nobody took over after B died"
pass "B killed mid-stream at $at_kill committed records; A and C took over"

wait_until 300 "A to finish with a verdict" not pid_alive "${pid[a]}" || { show_log "$INGEST_TEST_WORK/a.log" 60; fail "A did not finish"; }
status=0
wait "${pid[a]}" || status=$?
assert_no_crash "$status" "$INGEST_TEST_WORK/a.log"
((status == 0)) || { show_log "$INGEST_TEST_WORK/a.log" 60; fail "A's ingest run --until-done exited $status"; }
grep -q "connector $validator task 0: .*verdict PASS" "$INGEST_TEST_WORK/a.log" || { show_log "$INGEST_TEST_WORK/a.log" 60; fail "no verdict PASS"; }
kill -TERM "${pid[c]}"
wait_until 60 "C to stop on SIGTERM" not pid_alive "${pid[c]}" || fail "C did not stop on SIGTERM"

python3 - "$audit" "$report" <<'PY' || fail "the validator's counts do not match the audit log"
import json, sys
confirmed = 0
for line in open(sys.argv[1]):
    entry = json.loads(line)
    if entry.get("status") == "confirmed":
        confirmed += 1
report = json.load(open(sys.argv[2]))
counts = report["counts"]
print("verdict", report["verdict"], "records", counts["records"], "confirmed in the audit log", confirmed)
assert report["verdict"] == "PASS"
assert counts["records"] == confirmed, (counts["records"], confirmed)
assert all(finding["count"] == 0 for finding in report["discrepancies"].values()), report["discrepancies"]
PY
pass "three workers, one joined and one killed mid-stream: PASS with exact counts"
