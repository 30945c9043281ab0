#!/usr/bin/env bash
# Cluster mode (issue 14): three workers join one cluster on the private broker; the three shipped
# connectors are created through worker A's REST API only; worker B's REST API shows their tasks
# spread over all three workers. The worker that runs sink task 1 is killed (-9) mid-stream: once
# its session expires, the group hands its task slots to the two others, its tasks start there and
# resume from the offsets stored in PostgreSQL. The validator's PASS and an independent check of
# the table, the topic and the dead letters (faults/check_resumed_run.py) show nothing lost and
# nothing applied twice. Then one survivor leaves (SIGTERM) and the last one runs every task.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=cluster_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"

fresh_work_dir
require_runner

bootstrap=$(service_file kafka/bootstrap)
cluster=it-$(date +%s)-$$
topic=cluster-$(date +%s)-$$
sim=cl-simulator
sink=cl-postgres
validator=cl-validator
INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" it_cluster_three)
export INGEST_PG_DSN
events=40000
# The connectors' files (audit log, report) are on this machine's disk, shared by the workers as a
# cluster's workers would share a volume; each worker has its own state directory.
export INGEST_STATE_DIR=$INGEST_TEST_WORK/shared
mkdir -p "$INGEST_STATE_DIR"
audit=$INGEST_STATE_DIR/user-events.audit.jsonl
report=$INGEST_STATE_DIR/validation-report.json

for worker in a b c; do start_worker "$worker"; done
all_joined() { holds_slots a 16 && holds_slots b 16 && holds_slots c 16; }
wait_until 60 "the three workers to join and hold 16 task slots each" all_joined \
  || { show_log "$INGEST_TEST_WORK/a.log" 40; fail "the workers did not share the task slots"; }
pass "three workers joined cluster $cluster"

# Paced (about 20 s of production), so that a worker dies while records still arrive.
create_connectors a "$sim" "$sink" "$validator" "$topic" "$events" 5 3
# B shows all five tasks RUNNING, on all three workers.
spread() {
  local shown
  shown=$(placement b) || return 1
  (($(grep -c ' RUNNING ' <<<"$shown") == 5)) && (($(awk '{print $3}' <<<"$shown" | sort -u | wc -l) == 3))
}
wait_until 60 "worker B to show the five tasks RUNNING on the three workers" spread \
  || { placement b >&2 || true; fail "the tasks did not spread over the three workers"; }
placement b
pass "connectors created through A; B shows their tasks on a, b and c"
# The CLI's declarative apply, against C, finds the cluster's connectors equal to the files.
"$INGEST_BIN" connectors apply --dry-run bodies --url "http://$(rest c)" >apply.txt 2>&1 \
  || { cat apply.txt >&2; fail "ingest connectors apply --dry-run failed against worker C"; }
grep -qx "apply: 0 to create, 0 to update, 0 to delete, 3 unchanged" apply.txt \
  || { cat apply.txt >&2; fail "apply --dry-run on C does not find the connectors created through A"; }
pass "ingest connectors apply --dry-run on C: the cluster's connectors equal the files"

# The victim: the worker of sink task 1 (a sink task moves; whatever else runs there moves too).
victim=$(placement b | awk -v t="$sink/1" '$1 == t {print $3}')
[[ $victim =~ ^[abc]$ ]] || fail "no worker runs $sink/1"
survivors=()
for worker in a b c; do [[ $worker == "$victim" ]] || survivors+=("$worker"); done
wait_until 60 "the sink to commit 5000 records" progress_after 5000 || fail "no progress with three workers"
! grep -q '"complete":true' "$audit" 2>/dev/null || fail "the stream completed before the kill; pace it slower"
kill -KILL "${pid[$victim]}"
wait_until 30 "worker $victim to die" not pid_alive "${pid[$victim]}" || fail "$victim survived kill -9"
at_kill=$(committed)
pass "worker $victim killed (-9) mid-stream at $at_kill committed records"

# Its tasks run again on the others, as another survivor's REST API shows.
moved() {
  local shown
  alive "${survivors[0]}" && alive "${survivors[1]}" || return 1
  shown=$(placement "${survivors[1]}") || return 1
  (($(grep -c ' RUNNING ' <<<"$shown") == 5)) && ! grep -q " $victim\$" <<<"$shown" && progress_after "$at_kill"
}
wait_until 90 "the victim's tasks to run again on ${survivors[*]}" moved \
  || { placement "${survivors[1]}" >&2 || true; fail "the dead worker's tasks did not move"; }
placement "${survivors[1]}"
pass "$victim's tasks run again on ${survivors[*]}"

verdict_pass "${survivors[0]}" "$validator"
pass "the validator's verdict is PASS"
check_run "$events"

# A worker that leaves (SIGTERM) stops its tasks cleanly; the last worker runs them all.
leaving=${survivors[0]} last=${survivors[1]}
stop_worker "$leaving"
# (The simulator's stream is complete by now: started again, its task FINISHES at once.)
all_on_last() { alive "$last" && (($(placement "$last" | grep -cE " (RUNNING|FINISHED) $last\$") == 5)); }
wait_until 60 "worker $last to run every task" all_on_last || { placement "$last" >&2 || true; fail "the tasks did not move to $last"; }
pass "worker $leaving left (SIGTERM); $last runs every task"
stop_worker "$last"
pass "three workers, one killed mid-stream and one stopped: their tasks moved, PASS with exact counts"
