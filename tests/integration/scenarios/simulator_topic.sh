#!/usr/bin/env bash
# The simulator alone: after `ingest run --until-done` with only the simulator,
# an independent consumer (kcat) reads the topic back and check_topic.py matches it to the audit log
# one to one: every confirmed line at its logged partition/offset with the same key and value
# (tombstones without value), and nothing else in the topic.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario_init simulator-topic
connectors=$INGEST_TEST_WORK/connectors
# Every intent, tombstones and malformed records included.
connector user-events-simulator "$connectors" "$sim_name" topic="$topic" audit.log="$audit" \
  progress.interval.ms=0 events=20000 seed=31 late.rate=0.1 duplicate.rate=0.1 correction.rate=0.05 \
  invalidation.rate=0.05 deletion.rate=0.05 malformed.rate=0.05

log=$INGEST_TEST_WORK/ingest.log
run_ingest 120 "$log" "$connectors"
((run_status == 0)) || { show_log "$log" 60; fail "ingest run exited $run_status"; }
grep -q "connector $sim_name task 0: FINISHED" "$log" || { show_log "$log"; fail "the simulator did not finish"; }
tail -n 1 "$audit" | grep -q '"complete":true' || fail "the audit log $audit has no completion line"
echo "simulator: ingest run took ${run_seconds}s; $(tail -n 1 "$audit")"

python3 "$SCENARIOS_DIR/check_topic.py" --audit "$audit" --bootstrap "$bootstrap" --topic "$topic" \
  || fail "the topic $topic does not match the audit log one to one (see MISMATCH above)"
derive_truth
truth_expect 'records == 20000' 'confirmed_by_intent.delete > 0  # tombstones were compared' \
             'confirmed_by_intent.malformed > 0' 
pass "the topic $topic holds exactly the audit log's confirmed records, each at its logged position"
