#!/usr/bin/env bash
# The simulator with tasks.max=2: each task writes its own share of the
# stream and its own audit log (<audit.log>.0, <audit.log>.1); the validator, told nothing about
# the task count (audit.log.tasks left at 0), reads it from <audit.log>.0.stream, reads both logs
# and must PASS against sink_postgres's table, counting every record of both.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario_init multi-task
connectors=$INGEST_TEST_WORK/connectors
events=20001
connector user-events-simulator "$connectors" "$sim_name" topic="$topic" audit.log="$audit" \
  progress.interval.ms=0 events=$events seed=7 tasks.max=2
connector user-events-postgres "$connectors" "$sink_name" topics="$topic"
write_validator "$connectors" "$validator_name"

log=$INGEST_TEST_WORK/ingest.log
run_ingest 180 "$log" "$connectors"
expect_pass "$log"
grep -q "2 source task(s), from stream file $audit.0.stream" "$log" ||
  { show_log "$log"; fail "the validator did not say it read the task count from $audit.0.stream"; }
for task in 0 1; do
  grep -q "connector $sim_name task $task: FINISHED" "$log" || { show_log "$log"; fail "simulator task $task did not finish"; }
  tail -n 1 "$audit.$task" | grep -q '"complete":true' || fail "the audit log $audit.$task has no completion line"
done
[[ ! -e $audit ]] || fail "with tasks.max=2 nothing may be written at $audit itself"
records=$(( $(grep -c '"status":"confirmed"' "$audit.0") + $(grep -c '"status":"confirmed"' "$audit.1") ))
((records == events)) || fail "the two audit logs confirm $records records, expected $events"
reported=$(json_get "$report" counts.records)
((reported == events)) || fail "the validator's report counts $reported records, expected $events"
pass "two simulator tasks shared $events records; the validator read both audit logs and passed"
