#!/usr/bin/env bash
# Bad input gets a clear error and a non-zero exit (2 for configuration errors), never a crash.
#
#   bad_input.sh malformed_json|unknown_key|missing_plugin|not_a_plugin|unreachable_database
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_name=${1:?case}
fresh_work_dir
require_runner
mkdir connectors plugins
log=$INGEST_TEST_WORK/ingest.log

# expect_failure EXPECTED_STATUS|nonzero PATTERN WHAT -- ARGS...: runs the runner, which must exit with
# the expected status and print something matching PATTERN (what names the file/key/reason).
expect_failure() {
  local expected=$1 pattern=$2 what=$3 status=0
  shift 4
  echo "running: $INGEST_BIN $*"
  timeout -k 10 180 "$INGEST_BIN" "$@" >"$log" 2>&1 </dev/null || status=$?
  ((status != 124 && status != 137)) || { show_log "$log"; fail "the runner did not exit within 180s"; }
  assert_no_crash "$status" "$log"
  ((status != 0)) || { show_log "$log"; fail "exit 0 on bad input"; }
  [[ $expected == nonzero || $status == "$expected" ]] || { show_log "$log"; fail "exit $status, expected $expected"; }
  grep -qE -- "$pattern" "$log" || { show_log "$log"; fail "the error does not name $what (/$pattern/)"; }
  echo "exit $status; message: $(grep -m1 -E -- "$pattern" "$log")"
}

export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
run_args=(run --connectors "$INGEST_TEST_WORK/connectors" --until-done --state-dir "$INGEST_STATE_DIR")

case $case_name in
  malformed_json)
    printf '{"name": "broken", "config": {"plugin": "source_event_simulator",\n' >connectors/broken.json
    expect_failure 2 'broken\.json' "the file" -- "${run_args[@]}" ;;
  unknown_key)
    cat >connectors/unknown-key.json <<'JSON'
{"name": "unknown-key", "config": {"plugin": "source_event_simulator", "topic": "user-events",
 "no.such.key": "1"}}
JSON
    expect_failure 2 'no\.such\.key' "the unknown key" -- "${run_args[@]}" ;;
  missing_plugin)
    cat >connectors/missing-plugin.json <<'JSON'
{"name": "missing-plugin", "config": {"plugin": "sink_does_not_exist", "topics": "user-events"}}
JSON
    expect_failure 2 'sink_does_not_exist' "the missing plugin" -- "${run_args[@]}" ;;
  not_a_plugin)
    echo "this is a text file, not a shared object" >plugins/x.so
    cat >connectors/not-a-plugin.json <<'JSON'
{"name": "not-a-plugin", "config": {"plugin": "x", "topics": "user-events"}}
JSON
    expect_failure nonzero 'x\.so' "the file that is not a plugin" -- \
      "${run_args[@]}" --plugin-path "$INGEST_TEST_WORK/plugins"
    expect_failure nonzero 'x\.so' "the file that is not a plugin" -- plugin check "$INGEST_TEST_WORK/plugins/x.so" ;;
  unreachable_database)
    # A port nobody listens on: the shipped connectors must fail visibly, not hang or crash.
    port=$(free_port)
    export INGEST_PG_DSN=postgresql://postgres@127.0.0.1:$port/ingest INGEST_EVENTS=1000
    expect_failure nonzero "$port|[Cc]onnection refused" "the database that cannot be reached" -- \
      run --connectors "$CONNECTORS_DIR" --until-done --state-dir "$INGEST_STATE_DIR" ;;
  *) fail "unknown case $case_name" ;;
esac
pass "bad input ($case_name) refused cleanly"
