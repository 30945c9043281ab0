#!/usr/bin/env bash
# The validator catches real faults. `base` runs the whole pipeline once (every case, exact
# counts checked) and shows that the validator alone passes on an untouched copy of its database;
# each fault then corrupts its OWN copy of that database (CREATE DATABASE ... TEMPLATE) and runs the
# validator alone, which re-reads the topics from their beginning, and must FAIL with the right
# category in its JSON report.
#
#   fault_injection.sh base
#   fault_injection.sh missing|mismatched|resurrected|offsets BASE_WORK_DIR
#
#   missing      a row deleted                           → missing, naming the event
#   mismatched   a row's is_valid flipped                → mismatched, naming is_valid only
#   resurrected  a row inserted for a deleted event      → resurrected, naming the event
#   offsets      one partition's stored offset dropped   → deadline FAIL naming that partition
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fault=${1:?usage: fault_injection.sh base | missing|mismatched|resurrected|offsets BASE_WORK_DIR}
readonly base_database=it_scen_fault
server_dsn=$(service_file postgres/dsn)

# copy_database NAME: a fresh copy of the base run's database; prints its DSN.
copy_database() {
  local name=$1
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || fail "copy_database: '$name' is not a plain database name"
  PGOPTIONS=--client-min-messages=warning psql -X -q -v ON_ERROR_STOP=1 -d "$server_dsn" \
    -v copy="$name" -v base="$base_database" >&2 <<'SQL' || fail "cannot copy database $base_database to $name"
DROP DATABASE IF EXISTS :"copy" WITH (FORCE);
CREATE DATABASE :"copy" TEMPLATE :"base";
SQL
  dsn_with_dbname "$server_dsn" "$name"
}

# corrupt SQL [name=value...]: runs SQL on this test's copy; prints its single result value.
corrupt() {
  local sql=$1 variables=() setting
  shift
  for setting in "$@"; do variables+=(-v "$setting"); done
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" "${variables[@]}" <<<"$sql" \
    || fail "the corruption failed: $sql"
}

# validate_alone NAME [key=value...]: the validator as the only connector, against $INGEST_PG_DSN.
validate_alone() {
  local name=$1
  shift
  local connectors=$INGEST_TEST_WORK/connectors-$name
  rm -rf "$connectors"
  write_validator "$connectors" "$name" "$@"
  log=$INGEST_TEST_WORK/ingest-$name.log
  run_ingest 120 "$log" "$connectors"
  echo "validator alone ($name): exit $run_status after ${run_seconds}s"
}

expect_fail() {
  ((run_status == 1)) || { show_log "$log" 60; fail "ingest run exited $run_status, expected 1 (verdict FAIL)"; }
  grep -q "connector $validator_name task 0: STOPPED; verdict FAIL" "$log" \
    || { show_log "$log" 60; fail "no 'verdict FAIL' for $validator_name in $log"; }
}

check_fault() {
  python3 "$SCENARIOS_DIR/check_fault.py" --report "$report" "$@" \
    || fail "the validator's report does not name the $fault fault as it should (see MISMATCH above)"
}

if [[ $fault == base ]]; then
  scenario_init fault
  connectors=$INGEST_TEST_WORK/connectors
  # Every case, so that each fault has something to corrupt (deleted events included).
  write_pipeline "$connectors" events=5000 seed=77 late.rate=0.1 duplicate.rate=0.1 \
    correction.rate=0.05 invalidation.rate=0.05 deletion.rate=0.05 malformed.rate=0.05
  log=$INGEST_TEST_WORK/ingest.log
  run_ingest 180 "$log" "$connectors"
  expect_pass "$log"
  derive_truth
  truth_expect 'deleted > 0  # something to resurrect'
  check_run "$log"
  pipeline_report=$INGEST_TEST_WORK/pipeline-report.json
  mv "$report" "$pipeline_report"

  # The control: the validator alone on an untouched copy passes, with the same counts.
  INGEST_PG_DSN=$(copy_database "${base_database}_control")
  validator_name=scen-fault-control-validator
  validate_alone "$validator_name"
  expect_pass "$log"
  [[ $(json_get "$report" counts) == $(json_get "$pipeline_report" counts) ]] \
    || fail "the validator alone counted $(json_get "$report" counts), the pipeline run $(json_get "$pipeline_report" counts)"
  pass "base run: PASS with exact counts; the validator alone passes on an untouched copy"
  exit 0
fi

base_work=${2:?the base test\'s work directory}
[[ -s $base_work/state/audit.jsonl ]] || fail "no audit log in $base_work: did the base test (fault_injection.sh base) pass?"
fresh_work_dir
require_runner
bootstrap=$(service_file kafka/bootstrap)
topic=scen-fault-events
dlq=$topic.dlq
sink_name=scen-fault-postgres
validator_name=scen-fault-$fault-validator
audit=$base_work/state/audit.jsonl
state=$INGEST_TEST_WORK/state
report=$state/validation-report.json
INGEST_PG_DSN=$(copy_database "${base_database}_$fault")
export INGEST_PG_DSN

# The first row in event_id order: any row would do, this one is the same on every run of the seed.
case $fault in
  missing)
    id=$(corrupt 'DELETE FROM events WHERE event_id = (SELECT event_id FROM events ORDER BY event_id LIMIT 1)
                  RETURNING event_id')
    echo "deleted the row of event $id"
    validate_alone "$validator_name"
    expect_fail
    check_fault --category missing --subject "$id" ;;
  mismatched)
    id=$(corrupt 'UPDATE events SET is_valid = NOT is_valid
                  WHERE event_id = (SELECT event_id FROM events ORDER BY event_id LIMIT 1) RETURNING event_id')
    echo "flipped is_valid of event $id"
    validate_alone "$validator_name"
    expect_fail
    check_fault --category mismatched --subject "$id" --fields is_valid ;;
  resurrected)
    id=$(corrupt "INSERT INTO events (event_id, user_id, event_type, event_time, received_time, is_valid,
                                      revision, kafka_partition, kafka_offset)
                  SELECT event_id, 'user-1', 'page_view', now(), now(), true, 0, kafka_partition, kafka_offset
                  FROM events_deletions ORDER BY event_id LIMIT 1 RETURNING event_id")
    [[ -n $id ]] || fail "the base run deleted no event"
    echo "resurrected deleted event $id"
    validate_alone "$validator_name"
    expect_fail
    check_fault --category resurrected --subject "$id" ;;
  offsets)
    partition=$(corrupt "DELETE FROM ingest_offsets WHERE connector = :'connector' AND topic = :'topic'
                           AND kafka_partition = (SELECT min(kafka_partition) FROM ingest_offsets
                                                  WHERE connector = :'connector' AND topic = :'topic'
                                                    AND next_offset > 0)
                         RETURNING kafka_partition" connector="$sink_name" topic="$topic")
    [[ -n $partition ]] || fail "the base run stored no offsets for $sink_name"
    echo "dropped the stored offset of $topic partition $partition"
    # A stall, not a discrepancy: only the deadline turns it into a verdict.
    validate_alone "$validator_name" timeout.ms=15000
    expect_fail
    ((run_seconds >= 15)) || fail "the verdict came after ${run_seconds}s, before the 15 s deadline"
    check_fault --waiting-for "has stored no offset for $topic partition $partition " --waited-ms 15000 ;;
  *) fail "unknown fault '$fault'" ;;
esac
pass "fault $fault: the validator failed with the right category"
