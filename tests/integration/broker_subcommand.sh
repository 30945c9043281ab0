#!/usr/bin/env bash
# `ingest broker` runs the embedded mock cluster alone for outside clients: its first stdout line is the
# bootstrap address; kcat lists the topic, produces and consumes through it; SIGTERM stops it cleanly.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fresh_work_dir
[[ -x $INGEST_BIN ]] || fail "the runner is not built: $INGEST_BIN"
"$INGEST_BIN" broker --topic "$TOPIC" >broker.out 2>broker.err </dev/null &
broker=$!
test_pids+=("$broker")

first_line_written() {
  pid_alive "$broker" || { show_log broker.err; fail "ingest broker exited before printing its address"; }
  [[ $(wc -l <broker.out) -ge 1 ]]
}
wait_until 30 "ingest broker's first stdout line" first_line_written || { show_log broker.err; fail "no address printed"; }
bootstrap=$(head -n 1 broker.out)
[[ $bootstrap =~ ^[^[:space:]]+:[0-9]+$ ]] || fail "first stdout line is not a host:port address: '$bootstrap'"

kcat_lists_topic "$bootstrap" || { kcat -L -b "$bootstrap" -m 3 >&2 || true; fail "kcat -L does not list $TOPIC on $bootstrap"; }
pass "kcat -L lists $TOPIC on ingest broker at $bootstrap"

seq 1 100 | sed 's/.*/key-&\tvalue-&/' \
  | kcat -P -b "$bootstrap" -t "$TOPIC" -K '\t' -X enable.idempotence=true -z lz4 -m 10 \
  || fail "kcat could not produce to $TOPIC on ingest broker"
consumed=$(timeout 30 kcat -C -b "$bootstrap" -t "$TOPIC" -e -q -f '%k\n' | grep -c '^key-') || true
((consumed == 100)) || fail "consumed $consumed of 100 records back from ingest broker"
pass "kcat produced 100 records (idempotent, lz4) and consumed them back"

kill -TERM "$broker"
wait_until 30 "ingest broker to exit after SIGTERM" not pid_alive "$broker" || fail "ingest broker ignored SIGTERM"
status=0
wait "$broker" || status=$?
assert_no_crash "$status" broker.err
((status == 0)) || { show_log broker.err; fail "ingest broker exited $status after SIGTERM"; }
pass "ingest broker stopped cleanly on SIGTERM"
