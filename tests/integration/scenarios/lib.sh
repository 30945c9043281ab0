# shellcheck shell=bash
# Shared by the scenario tests: each test gets its own topic, database, connector names and
# work directory on the private real broker; connector files are adapted from connectors.d; the
# checks run in python3 as an independent client (audit_truth.py, check_*.py).
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SCENARIOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCENARIOS_DIR

# scenario_init NAME: a fresh work dir and database, the names this test's connectors use.
# Sets bootstrap, topic, dlq, sim_name, sink_name, validator_name, state, audit, report; exports
# INGEST_PG_DSN (the shipped connector files read it).
scenario_init() {
  local name=$1
  fresh_work_dir
  require_runner
  bootstrap=$(service_file kafka/bootstrap)
  topic=scen-$name-events
  dlq=$topic.dlq
  sim_name=scen-$name-simulator
  sink_name=scen-$name-postgres
  validator_name=scen-$name-validator
  state=$INGEST_TEST_WORK/state
  audit=$state/audit.jsonl
  report=$state/validation-report.json
  INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" "it_scen_${name//-/_}")
  export INGEST_PG_DSN
  # The kafka fixture starts an empty broker per ctest run; a topic left over from another run of
  # this test would hold records this run's audit log cannot account for.
  assert_topic_absent "$topic"
  assert_topic_absent "$dlq"
}

assert_topic_absent() {
  ! kcat -L -b "$bootstrap" -t "$1" -m 10 2>/dev/null | grep -qE "topic \"$1\" with [1-9][0-9]* partitions" \
    || fail "topic $1 already exists on $bootstrap: restart the kafka fixture (ctest starts a fresh broker)"
}

# connector SHIPPED DIR NAME [key=value...]: DIR/NAME.json adapted from connectors.d/SHIPPED.json.
connector() {
  local shipped=$1 dir=$2 name=$3
  shift 3
  mkdir -p "$dir"
  python3 "$SCENARIOS_DIR/connector.py" "$CONNECTORS_DIR/$shipped.json" "$dir/$name.json" "$name" "$@"
}

# The three connectors of a scenario in DIR: the simulator with the given settings (events, seed,
# rates), the PostgreSQL sink, and the validator (VALIDATOR_TIMEOUT_MS, default 120000).
write_pipeline() {
  local dir=$1
  shift
  connector user-events-simulator "$dir" "$sim_name" topic="$topic" audit.log="$audit" \
    progress.interval.ms=0 "$@"
  connector user-events-postgres "$dir" "$sink_name" topics="$topic"
  write_validator "$dir" "$validator_name"
}

# write_validator DIR NAME [key=value...]: the validator of this scenario's topic.
write_validator() {
  local dir=$1 name=$2
  shift 2
  connector user-events-validator "$dir" "$name" topics="$topic,$dlq" audit.log="$audit" \
    report.path="$report" sink.connector="$sink_name" source.topic="$topic" dlq.topic="$dlq" \
    timeout.ms="${VALIDATOR_TIMEOUT_MS:-120000}" "$@"
}

# run_ingest SECONDS LOG CONNECTORS_DIR: `ingest run --until-done` on the real broker, waited for up
# to SECONDS. Sets run_status (its exit code) and run_seconds.
run_ingest() {
  local seconds=$1 log=$2 connectors=$3 started=$SECONDS pid
  "$INGEST_BIN" run --connectors "$connectors" --until-done --state-dir "$state" \
    --bootstrap "$bootstrap" >"$log" 2>&1 </dev/null &
  pid=$!
  test_pids+=("$pid")
  if ! wait_until "$seconds" "ingest run ($connectors) to finish" not pid_alive "$pid"; then
    show_log "$log" 60
    fail "ingest run with $connectors did not finish within ${seconds}s"
  fi
  run_status=0
  wait "$pid" || run_status=$?
  run_seconds=$((SECONDS - started))
  assert_no_crash "$run_status" "$log"
}

# expect_pass LOG: exit 0, the validator's PASS in the runner's closing summary, the seed metrics.
expect_pass() {
  local log=$1
  ((run_status == 0)) || { show_log "$log" 60; fail "ingest run exited $run_status"; }
  grep -q "connector $validator_name task 0: STOPPED; verdict PASS" "$log" \
    || { show_log "$log" 60; fail "no 'verdict PASS' for $validator_name in $log"; }
  grep -m1 'seed metrics:' "$log" | sed 's/.*seed metrics:/seed metrics:/'
}

# json_get FILE KEY...: one value of a JSON file; a KEY with dots is a path (counts.missing) unless
# the file has it as one key (config "late.rate").
json_get() {
  python3 - "$@" <<'PY'
import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    for part in [key] if key in value else key.split("."):
        value = value[part]
print(json.dumps(value) if isinstance(value, (dict, list, bool)) or value is None else value)
PY
}

# derive_truth: $INGEST_TEST_WORK/truth.json from the audit log alone (audit_truth.py).
derive_truth() {
  truth=$INGEST_TEST_WORK/truth.json
  python3 "$SCENARIOS_DIR/audit_truth.py" "$audit" >"$truth" \
    || fail "the audit log $audit is inconsistent (see above)"
  truth_expect 'failed == 0  # a healthy broker refuses nothing' \
               'offset_gaps == 0  # a fresh topic and no transactions: offsets are dense'
}

# truth_expect EXPRESSION...: each a Python expression over the truth's fields (completion.delete,
# confirmed_by_intent.create, late, ...), with an optional "# why"; fails naming the first false one.
truth_expect() {
  python3 - "$truth" "$@" <<'PY' || fail "the truth derived from the audit log is not as expected (see above)"
import json, sys
from types import SimpleNamespace
truth = json.load(open(sys.argv[1]), object_hook=lambda fields: SimpleNamespace(**fields))
for expression in sys.argv[2:]:
    if not eval(expression, {}, vars(truth)):
        names = compile(expression, "truth", "eval").co_names
        shown = ", ".join(f"{name}={getattr(truth, name)}" for name in names if hasattr(truth, name))
        print(f"FAIL: expected {expression} ({shown})", file=sys.stderr)
        sys.exit(1)
    print(f"  ok   {expression}")
PY
}

# check_run LOG: the validator's report, psql and the sink's counters against the truth.
check_run() {
  python3 "$SCENARIOS_DIR/check_run.py" --truth "$truth" --report "$report" --dsn "$INGEST_PG_DSN" \
    --topic "$topic" --sink-connector "$sink_name" --runner-log "$1" \
    || fail "the run does not match the truth derived from the audit log (see MISMATCH above)"
}

check_dead_letters() {
  python3 "$SCENARIOS_DIR/check_dead_letters.py" --truth "$truth" --bootstrap "$bootstrap" \
    --dlq "$dlq" --topic "$topic" --sink-connector "$sink_name" \
    || fail "the dead-letter topic $dlq does not hold exactly the malformed records"
}
