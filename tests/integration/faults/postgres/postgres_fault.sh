#!/usr/bin/env bash
# PostgreSQL faults mid-stream (issue 11): the shipped pipeline (copies of connectors.d with this test's
# topic, names and database) on the private real broker, the simulator paced so that each fault hits
# while records still arrive. The sink must ride the fault out (transient SQLSTATEs retried with
# backoff inside put(), the batch handed back to the runner, past retry.max the task FAILED and
# restarted by errors.restart.*), and the run ends with the validator's PASS and exact counts.
#
#   postgres_fault.sh restart|connections_refused|statement_timeout|disk_full
#
#   restart              a PostgreSQL cluster of this test's own (the fixture's must keep running for
#                        other tests) is stopped (pg_ctl -m fast: the sink's sessions end with 57P01,
#                        reconnects are refused) until the sink has used up its retries, failed, and
#                        one automatic restart of the task has failed at start() too; then started
#                        again on the same port.
#   connections_refused  the fixture's PostgreSQL, a fresh database: ALTER DATABASE ... ALLOW_CONNECTIONS
#                        false and pg_terminate_backend() of every session on it (the sink's and the
#                        validator's: 57P01); then connections are allowed again.
#   statement_timeout    statement_timeout = 1 s on the database (set before the pipeline starts: the
#                        setting reaches new sessions only), and the test holds a SHARE lock on the
#                        sink's table, so that its writes wait and are cancelled (57014); then the lock
#                        is released. 57014 is transient by design
#                        (retry_policy.cpp): a cancelled statement rolled back the whole transaction,
#                        and the retry writes the same batch from the stored offsets.
#   disk_full            the disk-full class raised, not a real full disk (that would need a small
#                        file system mounted for a tablespace: mount privileges CI containers lack): a
#                        statement trigger on the sink's table raises SQLSTATE 53100 (disk_full)
#                        while a flag row of the test's says so, as PostgreSQL does when it cannot
#                        extend a file; then the flag is cleared.
#
# The shipped retry settings are kept. Each fault lasts until the sink has gone through its retries
# inside put() and handed the batch back to the runner (about 10 s of backoff: its log names the
# fault's own error); `restart` lasts longer, until the retries are used up, the task has FAILED and
# an automatic restart has failed at start() too: every level of the retry path. Then the fault is
# lifted, and `ingest run --until-done` exits 0 with the validator's PASS, and check_resumed_run.py (an
# independent client) finds the table row by row, the dead letters, the stored offsets (= the
# topic's end offsets) and the report's counts equal to the truth derived from the audit log, with
# no copy in the topic.
# shellcheck source=../../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"
FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly FAULTS_DIR

fault=${1:?restart, connections_refused, statement_timeout or disk_full}
case $fault in
  restart | connections_refused | statement_timeout | disk_full) ;;
  *) fail "unknown fault '$fault' (restart, connections_refused, statement_timeout or disk_full)" ;;
esac
# A stream of about 20 s; the fault comes after 5,000 committed records.
readonly EVENTS=30000 RATE=1500 FAULT_AFTER=5000

fresh_work_dir
require_runner
bootstrap=$(service_file kafka/bootstrap)
# A topic and connector names per run: the kafka fixture's broker outlives one test, and the
# consumer groups are named after the connectors.
topic=pg-fault-$fault-$(date +%s)-$$
dlq=$topic.dlq
sim=pgf-$fault-simulator
sink=pgf-$fault-postgres
validator=pgf-$fault-validator

admin_dsn=   # a DSN of the same server, another database: for ALTER DATABASE and pg_terminate_backend
pg_dir=$INGEST_TEST_WORK/pg
locker=
cleanup() {
  kill_test_processes
  if [[ $fault == restart ]]; then
    "$INGEST_ROOT/scripts/postgres" stop --dir "$pg_dir" >/dev/null 2>&1 || true
  elif [[ $fault == connections_refused && -n $admin_dsn ]]; then
    admin -c "ALTER DATABASE $database ALLOW_CONNECTIONS true" >/dev/null 2>&1 || true
  fi
  return 0
}
trap cleanup EXIT
admin() { psql -X -q -v ON_ERROR_STOP=1 -d "$admin_dsn" "$@"; }
in_database() { psql -X -q -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" "$@"; }

database=it_pg_fault_$fault
if [[ $fault == restart ]]; then
  admin_dsn=$("$INGEST_ROOT/scripts/postgres" start --dir "$pg_dir") || fail "cannot start a private PostgreSQL in $pg_dir"
else
  admin_dsn=$(service_file postgres/dsn)
fi
INGEST_PG_DSN=$(fresh_database "$admin_dsn" "$database")
export INGEST_PG_DSN
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
audit=$INGEST_STATE_DIR/user-events.audit.jsonl
report=$INGEST_STATE_DIR/validation-report.json
if [[ $fault == statement_timeout ]]; then
  admin -c "ALTER DATABASE $database SET statement_timeout = '1s'"
fi

connector() {
  python3 "$FAULTS_DIR/../scenarios/connector.py" "$CONNECTORS_DIR/$1.json" "connectors/$2.json" "$2" "${@:3}"
}
mkdir connectors
connector user-events-simulator "$sim" topic="$topic" events="$EVENTS" rate="$RATE"
connector user-events-postgres "$sink" topics="$topic"
connector user-events-validator "$validator" topics="$topic,$dlq" source.topic="$topic" dlq.topic="$dlq" \
  sink.connector="$sink"

log=$INGEST_TEST_WORK/ingest.log
"$INGEST_BIN" run --connectors connectors --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap" --until-done \
  >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")

committed() {
  local count
  count=$(psql -X -q -tA -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" -v c="$sink" 2>/dev/null \
    <<<"SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = :'c';") || true
  echo "${count:-0}"
}
runner_alive() { pid_alive "$runner" || { show_log "$log" 60; fail "ingest run exited during the fault"; }; }
committed_at_least() { runner_alive && (($(committed) >= $1)); }
wait_until 120 "the sink to commit $FAULT_AFTER records" committed_at_least "$FAULT_AFTER" \
  || { show_log "$log"; fail "no progress before the fault"; }
before=$(committed)

# The fault lasts until the sink, having retried inside put() for its wait budget, hands the batch
# back to the runner with the fault's own error ($1, a regular expression).
handed_back() { runner_alive && grep -qE "$sink-0.*handing it back to the runner after [0-9]+ ms of retries: .*($1)" "$log"; }
wait_for_hand_back() {
  wait_until 120 "the sink to retry '$1' and hand its batch back to the runner" handed_back "$1" \
    || { show_log "$log" 60; fail "the fault did not reach the sink's writes as '$1'"; }
}

case $fault in
  restart)
    "$INGEST_ROOT/scripts/postgres" stop --dir "$pg_dir" >/dev/null || fail "cannot stop the private PostgreSQL"
    # The sink's retries, its failure past retry.max, and an automatic restart whose start() found the
    # database still down: "automatic restart 2/..." is scheduled only after that second failure.
    restarted_twice() { runner_alive && grep -qE "$sink-0.*automatic restart 2/" "$log"; }
    wait_until 150 "the sink to use up its retries and fail once more after an automatic restart" restarted_twice \
      || { show_log "$log" 60; fail "the sink task did not go through its retries and an automatic restart"; }
    grep -qE "$sink-0.*still failing after [0-9]+ retries \(retry.max\)" "$log" \
      || { show_log "$log" 60; fail "no task failure past retry.max in the log"; }
    grep -qE "$sink-0.*sink_postgres cannot start: cannot connect to PostgreSQL" "$log" \
      || { show_log "$log" 60; fail "no start() refused by the stopped database in the log"; }
    again=$("$INGEST_ROOT/scripts/postgres" start --dir "$pg_dir") || fail "PostgreSQL did not start again"
    [[ $(dsn_with_dbname "$again" "$database") == "$INGEST_PG_DSN" ]] \
      || fail "PostgreSQL came back as $again, not on the address the pipeline uses"
    what="PostgreSQL stopped"
    ;;
  connections_refused)
    admin -c "ALTER DATABASE $database ALLOW_CONNECTIONS false" \
      -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$database'" >/dev/null
    wait_for_hand_back 'is not currently accepting connections'
    admin -c "ALTER DATABASE $database ALLOW_CONNECTIONS true"
    # libpq reports a terminated session as the server's FATAL 57P01 when it read that message before
    # the socket closed, and as "server closed the connection" when the close came first: both are it.
    grep -qE "$sink-0.*(terminating connection due to administrator command|server closed the connection unexpectedly)" "$log" \
      || { show_log "$log" 60; fail "the sink's session was not terminated (57P01) before connections were refused"; }
    what="connections terminated and refused"
    ;;
  statement_timeout)
    # A session of the test's own holds the lock (no statement timeout for it) until the sink's
    # writes have timed out often enough; psql reads its statements from the coprocess pipe.
    coproc locker_proc { psql -X -q -tA -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" 2>&1; }
    locker=$locker_proc_PID
    test_pids+=("$locker")
    printf '%s\n' "SET statement_timeout = 0;" "BEGIN;" "LOCK TABLE events IN SHARE MODE;" "SELECT 'locked';" \
      >&"${locker_proc[1]}"
    read -r -t 60 answer <&"${locker_proc[0]}" || fail "the test's lock session did not answer"
    [[ $answer == locked ]] || fail "could not lock the table: $answer"
    wait_for_hand_back 'SQLSTATE 57014: canceling statement due to statement timeout'
    printf '%s\n' "COMMIT;" "\\q" >&"${locker_proc[1]}"
    wait_until 30 "the lock session to end" not pid_alive "$locker" || fail "the lock session did not end"
    what="writes cancelled by statement_timeout"
    ;;
  disk_full)
    in_database <<'SQL'
BEGIN;
CREATE TABLE fault_injection (disk_full boolean NOT NULL);
INSERT INTO fault_injection VALUES (true);
CREATE FUNCTION fault_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT disk_full FROM fault_injection) THEN
    RAISE EXCEPTION 'could not extend file: No space left on device (raised by the test)'
      USING ERRCODE = 'disk_full';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER fault_disk_full BEFORE INSERT OR UPDATE OR DELETE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION fault_disk_full();
COMMIT;
SQL
    wait_for_hand_back 'SQLSTATE 53100: could not extend file'
    in_database -c "UPDATE fault_injection SET disk_full = false"
    what="SQLSTATE 53100 raised on every write"
    ;;
esac
pass "$what after $before committed records; the sink failed $(grep -cE "$sink-0.* failed, retry " "$log") times and retried"

wait_until 240 "ingest run --until-done to exit" not pid_alive "$runner" || { show_log "$log" 60; fail "the run did not end"; }
status=0
wait "$runner" || status=$?
assert_no_crash "$status" "$log"
((status == 0)) || { show_log "$log" 60; fail "ingest run --until-done exited $status after the fault"; }
# The batch that met the fault went through in the same task (restart: in a restarted one).
if [[ $fault != restart ]]; then
  grep -qE "$sink-0.*put: the batch went through after retrying" "$log" || { show_log "$log" 60; fail "no batch went through after its retries"; }
fi
grep -q "connector $validator task 0: .*verdict PASS" "$log" || { show_log "$log" 60; fail "no verdict PASS from $validator"; }
python3 - "$report" <<'PY' || fail "the validator's report is not a PASS without copies"
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
ok = report["verdict"] == "PASS" and report["counts"]["copies"] == 0
print(f"report: {report['verdict']}, copies {report['counts']['copies']}: {report['summary']}")
sys.exit(0 if ok else 1)
PY
python3 "$FAULTS_DIR/check_resumed_run.py" --audit "$audit" --report "$report" --dsn "$INGEST_PG_DSN" \
  --bootstrap "$bootstrap" --topic "$topic" --dlq "$dlq" --sink-connector "$sink" --events "$EVENTS" \
  || fail "the run does not match the truth (see FAIL above)"
pass "$fault: $what mid-stream, then the validator's PASS with exact counts"
