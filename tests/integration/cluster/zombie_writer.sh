#!/usr/bin/env bash
# Cluster mode's zombie writer (issue 14): two workers share the three shipped connectors (the
# sink with two tasks, one on each worker). The worker Z of sink task 0 is frozen (SIGSTOP) past
# its session, holding a batch it has not written (the table was locked meanwhile): the group hands
# its slots to the other worker, where its tasks start again and claim their partitions in
# PostgreSQL with a newer epoch, ending the session Z left in the middle of a transaction. Then Z
# is resumed (SIGCONT): its writes find the new epoch and are refused ("fenced") before Z notices
# that it lost its slots. The validator's PASS and the independent check of the table show
# that the zombie wrote nothing.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=cluster_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"

fresh_work_dir
require_runner

bootstrap=$(service_file kafka/bootstrap)
cluster=zombie-$(date +%s)-$$
topic=zombie-$(date +%s)-$$
sim=zw-simulator
sink=zw-postgres
validator=zw-validator
INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" it_cluster_zombie)
export INGEST_PG_DSN
events=60000
export INGEST_STATE_DIR=$INGEST_TEST_WORK/shared
mkdir -p "$INGEST_STATE_DIR"
audit=$INGEST_STATE_DIR/user-events.audit.jsonl
report=$INGEST_STATE_DIR/validation-report.json

cleanup() {
  # A frozen worker cannot die from SIGKILL's default handling until it is continued.
  for worker in "${!pid[@]}"; do kill -CONT "${pid[$worker]}" 2>/dev/null || true; done
  kill_test_processes
}
trap cleanup EXIT

start_worker a
start_worker b
both_joined() { holds_slots a 24 && holds_slots b 24; }
wait_until 60 "the two workers to join and hold 24 task slots each" both_joined \
  || { show_log "$INGEST_TEST_WORK/a.log" 40; fail "the workers did not share the task slots"; }

# Paced (about 30 s of production), so that records still arrive while Z is frozen and resumed.
create_connectors a "$sim" "$sink" "$validator" "$topic" "$events" 9 2
all_running() { (($(placement a | grep -c ' RUNNING ') == 4)); }
wait_until 60 "the four tasks to run" all_running || { placement a >&2 || true; fail "the tasks did not start"; }
zombie=$(placement a | awk -v t="$sink/0" '$1 == t {print $3}')
[[ $zombie =~ ^[ab]$ ]] || fail "no worker runs $sink/0"
other=a
[[ $zombie == a ]] && other=b
wait_until 60 "the sink to commit 5000 records" progress_after 5000 || fail "no progress"
! grep -q '"complete":true' "$audit" 2>/dev/null || fail "the stream completed before the freeze; pace it slower"

# Z must be frozen holding a batch it has not written yet: a test session locks the table, so
# that the sink's writers wait inside their transactions (holding their partitions' locks) while
# the runner hands the next batch to put(). Once one of Z's writers has waited 2 s, Z is frozen and
# the table unlocked.
coproc locker_proc { psql -X -q -tA -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" 2>&1; }
locker=$locker_proc_PID
test_pids+=("$locker")
printf '%s\n' "BEGIN;" "LOCK TABLE events IN SHARE MODE;" "SELECT 'locked';" >&"${locker_proc[1]}"
read -r -t 60 answer <&"${locker_proc[0]}" || fail "the test's lock session did not answer"
[[ $answer == locked ]] || fail "could not lock the table: $answer"
# client_ports PID: the local TCP ports of PID's sockets (its connections to PostgreSQL among them).
client_ports() {
  python3 - "$1" <<'PY'
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if target.startswith("socket:["):
        inodes.add(target[8:-1])
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).readlines()[1:]:
        fields = line.split()
        if fields[9] in inodes:
            print(int(fields[1].split(":")[1], 16))
PY
}
# waiting_sessions PORTS WAIT_EVENT_TYPE SECONDS: sessions of the sink from those client ports that
# have waited on a lock of that type for at least SECONDS.
waiting_sessions() {
  psql -X -q -tA -v ON_ERROR_STOP=1 -d "$INGEST_PG_DSN" -v ports="{$1}" -v type="$2" -v s="$3" <<'SQL'
SELECT count(*) FROM pg_stat_activity
WHERE client_port = ANY (:'ports'::int[]) AND wait_event_type = 'Lock' AND wait_event = :'type'
  AND now() - query_start >= make_interval(secs => :s);
SQL
}
zombie_waits() {
  local ports
  ports=$(client_ports "${pid[$zombie]}" | paste -sd, -)
  [[ -n $ports ]] && (($(waiting_sessions "$ports" relation 2) > 0))
}
wait_until 60 "a writer of worker $zombie to wait 2 s on the locked table" zombie_waits \
  || fail "worker $zombie's writers never waited on the table lock"
kill -STOP "${pid[$zombie]}"
frozen_at=$(committed)
printf '%s\n' "COMMIT;" "\\q" >&"${locker_proc[1]}"
wait_until 30 "the lock session to end" not pid_alive "$locker" || fail "the lock session did not end"
pass "worker $zombie (running $sink/0) frozen at $frozen_at committed records, a batch in hand"

# The other worker takes every task over (after Z's 6 s session). Its sink tasks claim Z's
# partitions; Z's transaction holds one of them, and after sink_postgres's claim patience (10 s)
# the claim ends Z's session.
ended_zombie_session() { grep -qE "\[$sink-[01]\] sink_postgres ended PostgreSQL session" "$INGEST_TEST_WORK/$other.log"; }
wait_until 90 "worker $other's sink to end the session the frozen worker left holding a partition" \
  ended_zombie_session || { show_log "$INGEST_TEST_WORK/$other.log" 40; fail "the claim never took the partition over"; }
taken_over() {
  local shown
  shown=$(placement "$other") || return 1
  (($(grep -c " RUNNING $other\$" <<<"$shown") == 4)) && progress_after "$frozen_at"
}
wait_until 90 "worker $other to run every task and commit" taken_over \
  || { placement "$other" >&2 || true; show_log "$INGEST_TEST_WORK/$other.log" 40; fail "nobody took over from the frozen worker"; }
pass "worker $other runs every task while $zombie is frozen"

kill -CONT "${pid[$zombie]}"
fenced() { grep -qE "\[$sink-[01]\].*fenced" "$INGEST_TEST_WORK/$zombie.log"; }
wait_until 60 "the resumed zombie's transaction to be refused" fenced \
  || { show_log "$INGEST_TEST_WORK/$zombie.log" 60; fail "the zombie's late write was not refused"; }
grep -E "\[$sink-[01]\].*fenced" "$INGEST_TEST_WORK/$zombie.log" | head -n 3
pass "the zombie's late transaction was refused"

verdict_pass "$other" "$validator"
check_run "$events"
stop_worker "$other"
stop_worker "$zombie"
pass "a zombie sink task resumed after its successor started: refused, the table exact, PASS"
