#!/usr/bin/env bash
# The end-to-end slice with the connectors in connectors.d: the event simulator produces to the topic,
# sink_postgres writes the table, the validator compares both with the audit log and gives its verdict.
#
#   e2e_slice.sh real-broker|embedded-broker
#
# Asserts: `ingest run --until-done` exits 0, the log carries the validator's PASS, and, while the run
# is active, kcat lists the topic on the broker in use.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=${1:?real-broker or embedded-broker}
export INGEST_EVENTS=${INGEST_EVENTS:-20000}
fresh_work_dir
require_runner

INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" "it_e2e_${mode//-/_}")
export INGEST_PG_DSN
# The connectors put their files (audit log, validation report) in ${env:INGEST_STATE_DIR}.
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
args=(run --connectors "$CONNECTORS_DIR" --until-done --state-dir "$INGEST_STATE_DIR")
case $mode in
  real-broker)
    bootstrap=$(service_file kafka/bootstrap)
    args+=(--bootstrap "$bootstrap") ;;
  embedded-broker) bootstrap= ;;
  *) fail "unknown mode $mode" ;;
esac

log=$INGEST_TEST_WORK/ingest.log
echo "running: $INGEST_BIN ${args[*]} (INGEST_EVENTS=$INGEST_EVENTS)"
"$INGEST_BIN" "${args[@]}" >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")

# The embedded broker's address appears in the state directory once the runner started it.
embedded_bootstrap() {
  [[ -s $INGEST_STATE_DIR/bootstrap ]] || return 1
  bootstrap=$(<"$INGEST_STATE_DIR/bootstrap")
}
topic_listed_or_run_over() {
  pid_alive "$runner" || return 0
  [[ -n $bootstrap ]] || embedded_bootstrap || return 1
  kcat_lists_topic "$bootstrap" && listed_while_active=true
}
listed_while_active=false
wait_until 120 "kcat to list topic $TOPIC during the run" topic_listed_or_run_over \
  || { show_log "$log"; fail "the topic never showed up in kcat -L while the run was active"; }

deadline=$((SECONDS + 480))
while pid_alive "$runner" && ((SECONDS < deadline)); do sleep 0.5; done
pid_alive "$runner" && { show_log "$log"; fail "the run did not finish within 480s"; }
status=0
wait "$runner" || status=$?

assert_no_crash "$status" "$log"
((status == 0)) || { show_log "$log" 60; fail "ingest run exited $status"; }
# The runner's closing summary has one line per task, "...; verdict PASS: <summary>" for judging tasks.
grep -q 'verdict PASS' "$log" || { show_log "$log" 60; fail "no 'verdict PASS' in $log"; }
! grep -q 'verdict FAIL' "$log" || { show_log "$log" 60; fail "a 'verdict FAIL' in $log"; }
grep 'verdict PASS' "$log"
if [[ $listed_while_active == true ]]; then
  pass "kcat -L listed $TOPIC on ${bootstrap} while the run was active"
elif [[ $mode == real-broker ]]; then
  fail "the run ended before kcat -L listed $TOPIC on $bootstrap"
else
  echo "note: the embedded run ended before kcat could list the topic"
fi
pass "e2e slice on the $mode: exit 0 and the validator passed ($INGEST_EVENTS events)"
