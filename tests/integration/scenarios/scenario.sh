#!/usr/bin/env bash
# One of the seed's scenarios end to end on the private real broker: the simulator with only
# that case's rate set, sink_postgres, and the validator, in one `ingest run --until-done`.
#
#   scenario.sh late|duplicates|corrections|invalidations|deletions|malformed|mix
#
# Asserts exit 0 and the validator's PASS, then checks EXACT counts: the truth is derived from the
# audit log by audit_truth.py (which also checks the log's completion totals), and the validator's
# JSON report, direct psql queries and the sink's counters must all equal it (check_run.py).
# The dead-letter topic is checked record by record too: exactly one dead letter per malformed record.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case=${1:?usage: scenario.sh late|duplicates|corrections|invalidations|deletions|malformed|mix}

# Every case sets all six rates, so that nothing else leaks in from the shipped file.
rates() {
  local late=0 duplicate=0 correction=0 invalidation=0 deletion=0 malformed=0
  local "$@"
  echo late.rate=$late duplicate.rate=$duplicate correction.rate=$correction \
    invalidation.rate=$invalidation deletion.rate=$deletion malformed.rate=$malformed
}

seconds=180
case $case in
  late) events=10000 settings=$(rates late=0.6) ;;
  duplicates)
    events=20000
    settings="$(rates duplicate=0.3 correction=0.05 invalidation=0.03 deletion=0.05) duplicate.stale.fraction=0.8" ;;
  corrections) events=10000 settings=$(rates correction=0.3) ;;
  invalidations) events=10000 settings=$(rates invalidation=0.2) ;;
  deletions) events=10000 settings=$(rates deletion=0.2) ;;
  malformed) events=10000 settings=$(rates malformed=0.2) ;;
  # Every case at once, with the rates connectors.d ships.
  mix)
    events=${INGEST_SCENARIO_MIX_EVENTS:-1000000} settings=
    seconds=1400
    export VALIDATOR_TIMEOUT_MS=1300000 ;;
  *) fail "unknown scenario '$case'" ;;
esac

scenario_init "$case"
connectors=$INGEST_TEST_WORK/connectors
seed=${INGEST_SCENARIO_SEED:-42}
# shellcheck disable=SC2086 # settings is a list of key=value words
write_pipeline "$connectors" events="$events" seed="$seed" $settings

log=$INGEST_TEST_WORK/ingest.log
echo "scenario $case: $events records (seed $seed) into $topic; connectors in $connectors"
run_ingest "$seconds" "$log" "$connectors"
expect_pass "$log"
echo "scenario $case: ingest run took ${run_seconds}s"

started=$SECONDS
derive_truth
# A case whose rate is 0 must not occur, the others must: late records as the truth counts them,
# the other cases by the intents the completion line counts.
expectations=("records == $events")
for pair in late:late duplicate:completion.duplicate correction:completion.correct \
            invalidation:completion.invalidate deletion:completion.delete malformed:completion.malformed; do
  rate=$(json_get "$connectors/$sim_name.json" config "${pair%%:*}.rate")
  if [[ $rate == 0 ]]; then
    expectations+=("${pair#*:} == 0  # ${pair%%:*}.rate is 0")
  else
    expectations+=("${pair#*:} > 0  # ${pair%%:*}.rate is $rate")
  fi
done
case $case in
  late)
    expectations+=("late_rows == late  # nothing but creates: every late record is a row") ;;
  duplicates)
    expectations+=(
      "duplicates == confirmed_by_intent.duplicate  # every re-send, and nothing else, changes nothing"
      "duplicates_after_correction > 0  # stale re-sends of corrected events"
      "duplicates_after_deletion > 0  # re-sends after a deletion") ;;
  corrections)
    expectations+=("revised_rows > 0" "invalidated == 0") ;;
  invalidations)
    expectations+=("invalidated > 0" "invalidated == revised_rows  # every revision is an invalidation") ;;
  deletions)
    expectations+=(
      "deleted == confirmed_by_intent.delete  # each tombstone deletes a live event"
      "expected_rows == confirmed_by_intent.create - deleted") ;;
  malformed)
    expectations+=(
      "malformed == confirmed_by_intent.malformed"
      "expected_rows == confirmed_by_intent.create") ;;
  mix)
    for count in duplicates_after_correction duplicates_after_deletion invalidated deleted revised_rows; do
      expectations+=("$count > 0  # the mix holds every case")
    done ;;
esac
truth_expect "${expectations[@]}"
if [[ $case == late ]]; then
  hours_late=$(psql -X -At -d "$INGEST_PG_DSN" \
    -c "SELECT count(*) FROM events WHERE received_time - event_time > interval '1 hour'")
  ((hours_late > 0)) || fail "no row is more than an hour late (late.max.ms is 2 h, log-uniform)"
  echo "late: $hours_late rows more than an hour late"
fi

check_run "$log"
# Empty unless the case sends malformed records: exactly one dead letter per malformed record.
check_dead_letters
echo "scenario $case: checks took $((SECONDS - started))s"
pass "scenario $case: PASS with exact counts ($(json_get "$report" summary))"
