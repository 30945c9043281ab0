#!/usr/bin/env bash
# The worker's own Kafka client properties (`ingest run --kafka-property KEY=VALUE`, and
# `kafka-property = [...]` under [run] in the worker config) reach every client of the worker,
# secret values never reach the log, and the runner's guarantee properties are refused at start.
#
#   kafka_property_test.sh INGEST FIXTURE_DIR WORK_DIR
set -euo pipefail
ingest=$1 fixtures=$2 work=$3
rm -rf "$work" && mkdir -p "$work/connectors"
runner=
trap '[[ -n $runner ]] && kill -KILL "$runner" 2>/dev/null; true' EXIT

fail() { echo "FAIL: $*" >&2; [[ -f ${log:-} ]] && tail -n 40 "$log" >&2; exit 1; }
pass() { echo "PASS: $*"; }
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do ((SECONDS < deadline)) || fail "timed out waiting for $what"; sleep 0.1; done
}

cat >"$work/connectors/source.json" <<JSON
{"name": "numbers-source", "config": {"plugin": "fixture_counting_source", "topic": "numbers", "count": "100",
 "deliveries.file": "$work/deliveries.txt"}}
JSON
cat >"$work/connectors/sink.json" <<JSON
{"name": "numbers-sink", "config": {"plugin": "fixture_recording_sink", "topics": "numbers",
 "records.file": "$work/records.txt"}}
JSON
common=(--plugin-path "$fixtures" --connectors "$work/connectors" --rest-listen off)

# refused WHAT EXPECTED INGEST_ARGS...: the worker exits 2 at start, saying EXPECTED.
refused() {
  local what=$1 expected=$2 status=0
  shift 2
  log=$work/refused.log
  "$ingest" "$@" >"$log" 2>&1 </dev/null || status=$?
  ((status == 2)) || fail "$what: exit $status, expected 2"
  grep -qF -- "$expected" "$log" || fail "$what: the log does not say: $expected"
  ! grep -qF "starting connector" "$log" || fail "$what: a connector was started"
}
refused "a guarantee property on the command line" \
  "kafka-property 'enable.idempotence': 'enable.idempotence' is set by the runner (its delivery guarantees depend on it) and cannot be set by the worker config" \
  run "${common[@]}" --state-dir "$work/s1" --kafka-property enable.idempotence=false
printf '[run]\nkafka-property = ["client.id=x", "group.id=mine", "auto.offset.reset=earliest"]\n' >"$work/guarantees.toml"
refused "guarantee properties in the worker config" "kafka-property 'auto.offset.reset': 'auto.offset.reset' is set by the runner" \
  --worker-config "$work/guarantees.toml" run "${common[@]}" --state-dir "$work/s2"
grep -qF "kafka-property 'group.id': 'group.id' is set by the runner" "$log" || fail "not every refused property is reported"
refused "a property librdkafka does not know" "Kafka client property 'no.such.property': No such configuration property" \
  run "${common[@]}" --state-dir "$work/s3" --kafka-property no.such.property=1
refused "TLS without a cluster" "'SSL' needs a Kafka cluster given by --bootstrap; the embedded mock broker speaks plaintext only" \
  run "${common[@]}" --state-dir "$work/s4" --kafka-property security.protocol=SSL
refused "an assignment without '='" "expected KEY=VALUE (a librdkafka property), got no '='" \
  validate --connectors "$work/connectors" --bootstrap 127.0.0.1:1 --state-dir "$work/s5" --kafka-property sasl.password
pass "the runner's guarantee properties, unknown properties and malformed assignments are refused at start"

# Accepted from the worker config (as from the command line, whose --kafka-property list replaces
# the file's, as for every option): librdkafka's configuration dump (debug=conf) shows client.id on
# the clients of both connectors, and the secret nowhere.
secret=hunter2-worker-secret-$RANDOM
printf '[run]\nkafka-property = ["client.id=ingest-worker-test", "sasl.password=%s", "debug=conf"]\n' "$secret" \
  >"$work/worker.toml"
log=$work/worker.log
"$ingest" --worker-config "$work/worker.toml" --log-level debug run "${common[@]}" --state-dir "$work/state" \
  >"$log" 2>&1 </dev/null &
runner=$!
all_recorded() { [[ -f $work/records.txt ]] && (($(wc -l <"$work/records.txt") == 100)); }
wait_for 60 "the sink to record the 100 records" all_recorded
kill -TERM "$runner"
wait_for 30 "the worker to stop" bash -c "! kill -0 $runner 2>/dev/null"
status=0
wait "$runner" || status=$?
runner=
((status == 0)) || fail "the worker exited $status"
clients=$(grep -cF "client.id = ingest-worker-test" "$log" || true)
((clients >= 2)) || fail "client.id reached $clients clients, expected the source's producer and the sink's consumer"
! grep -qF "$secret" "$log" || fail "the secret worker property is in the log"
pass "worker properties from the worker config reach every client; the secret is masked"
