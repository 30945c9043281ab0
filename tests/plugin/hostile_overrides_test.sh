#!/usr/bin/env bash
# Client overrides that would make the worker's Kafka clients run programs, load code or read its
# files are refused with their reason, whether the connector comes from connectors.d/ or from REST;
# the worker config (TOML, [run]) is what can allow them.
#
#   hostile_overrides_test.sh INGEST FIXTURE_DIR WORK_DIR
set -euo pipefail
ingest=$1 fixtures=$2 work=$3
rm -rf "$work" && mkdir -p "$work/connectors" "$work/empty" "$work/tls"
runner=
trap '[[ -n $runner ]] && kill -KILL "$runner" 2>/dev/null; true' EXIT

fail() { echo "FAIL: $*" >&2; [[ -f ${log:-} ]] && tail -n 40 "$log" >&2; exit 1; }
pass() { echo "PASS: $*"; }
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do ((SECONDS < deadline)) || fail "timed out waiting for $what"; sleep 0.1; done
}

cat >"$work/connectors/hostile.json" <<JSON
{"name": "hostile", "config": {"plugin": "fixture_recording_sink", "topics": "numbers",
 "records.file": "$work/records.txt",
 "consumer.override.sasl.kerberos.kinit.cmd": "sh -c 'touch $work/pwned'",
 "consumer.override.plugin.library.paths": "$work/evil.so",
 "producer.override.ssl.engine.location": "$work/engine.so",
 "consumer.override.ssl.ca.location": "/etc/passwd",
 "admin.override.enable.idempotence": "false"}}
JSON

# 1. From connectors.d/: every refusal with its reason, all at once; nothing starts.
status=0
"$ingest" connectors validate "$work/connectors/hostile.json" --plugin-path "$fixtures" >"$work/out" 2>"$work/err" || status=$?
((status == 2)) || fail "connectors validate exited $status, expected 2: $(cat "$work/err")"
for expected in \
  "key 'consumer.override.sasl.kerberos.kinit.cmd': 'sasl.kerberos.kinit.cmd' makes the Kafka client run a program or load code; a connector may set it only when the worker config allows it (ingest run --allow-client-setting sasl.kerberos.kinit.cmd)" \
  "key 'consumer.override.plugin.library.paths': 'plugin.library.paths' makes the Kafka client run a program or load code" \
  "key 'producer.override.ssl.engine.location': 'ssl.engine.location' makes the Kafka client run a program or load code" \
  "key 'consumer.override.ssl.ca.location': 'ssl.ca.location' reads the file '/etc/passwd'; connectors may name files only under the worker config's client-file-dir directories" \
  "key 'admin.override.enable.idempotence': 'enable.idempotence' is set by the runner"; do
  grep -qF "$expected" "$work/err" || fail "connectors validate does not say: $expected; it says: $(cat "$work/err")"
done
log=$work/refused.log
status=0
"$ingest" run --plugin-path "$fixtures" --connectors "$work/connectors" --state-dir "$work/state-refused" \
  --rest-listen off --until-done >"$log" 2>&1 || status=$?
((status == 2)) || fail "ingest run exited $status, expected 2"
grep -qF "makes the Kafka client run a program or load code" "$log" || fail "ingest run does not give the reason"
[[ ! -e $work/pwned ]] || fail "the kinit command ran"
pass "hostile client overrides in connectors.d/ are refused with their reasons"

# 2. The worker config allows them: the code-running setting it names and files under its directory
# pass the policy; what it does not name is still refused.
cat >"$work/worker.toml" <<TOML
[run]
allow-client-setting = ["sasl.kerberos.kinit.cmd"]
client-file-dir = ["$work/tls"]
TOML
cat >"$work/connectors/hostile.json" <<JSON
{"name": "hostile", "config": {"plugin": "fixture_recording_sink", "topics": "numbers",
 "records.file": "$work/records.txt",
 "consumer.override.sasl.kerberos.kinit.cmd": "kinit -k",
 "consumer.override.ssl.ca.location": "$work/tls/ca.pem",
 "consumer.override.plugin.library.paths": "$work/evil.so"}}
JSON
log=$work/allowed.log
status=0
"$ingest" --worker-config "$work/worker.toml" run --plugin-path "$fixtures" --connectors "$work/connectors" \
  --state-dir "$work/state-allowed" --rest-listen off --until-done >"$log" 2>&1 || status=$?
((status == 2)) || fail "ingest run exited $status, expected 2"
! grep -qF "key 'consumer.override.sasl.kerberos.kinit.cmd'" "$log" ||
  fail "the worker config's allow-client-setting did not reach validation"
! grep -qF "key 'consumer.override.ssl.ca.location'" "$log" || fail "the worker config's client-file-dir did not reach validation"
grep -qF "key 'consumer.override.plugin.library.paths': 'plugin.library.paths' makes the Kafka client run a program or load code" "$log" ||
  fail "a setting the worker config does not name was let through"
grep -qF "1 problem in" "$log" || fail "more than the one refused setting was reported: $(grep -F problem "$log")"
pass "the worker config allows what it names, and only that"

# 3. From REST: refused with the reason (400), and no file written.
log=$work/worker.log
"$ingest" run --plugin-path "$fixtures" --connectors "$work/empty" --state-dir "$work/state" \
  --rest-listen 127.0.0.1:0 >"$log" 2>&1 &
runner=$!
wait_for 60 "the worker to publish its REST address" test -s "$work/state/rest"
address=$(cat "$work/state/rest") token=$(cat "$work/state/token")
body='{"plugin": "fixture_recording_sink", "topics": "numbers", "records.file": "/tmp/x",
       "consumer.override.sasl.kerberos.kinit.cmd": "sh -c id", "consumer.override.ssl.key.location": "/root/.ssh/id_rsa"}'
code=$(curl -s -o "$work/put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" -d "$body" "http://$address/connectors/hostile/config")
[[ $code == 400 ]] || fail "PUT /connectors/hostile/config answered $code: $(cat "$work/put.json")"
grep -qF "run a program or load code" "$work/put.json" || fail "no reason for kinit.cmd: $(cat "$work/put.json")"
grep -qF "reads the file '/root/.ssh/id_rsa'" "$work/put.json" || fail "no reason for the key file: $(cat "$work/put.json")"
[[ ! -e $work/empty/hostile.json ]] || fail "the refused config was written to connectors.d/"
pass "hostile client overrides over REST are refused with their reasons"

# 4. Over REST, a secret override is masked like a password key (answers and log), and a body that
# repeats a key is refused rather than silently taking the last value.
secret=hunter2-override-secret
body='{"plugin": "fixture_recording_sink", "topics": "numbers", "records.file": "'$work/masked.txt'",
       "consumer.override.ssl.key.password": "'$secret'"}'
code=$(curl -s -o "$work/put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" -d "$body" "http://$address/connectors/masked/config")
[[ $code == 201 ]] || fail "PUT /connectors/masked/config answered $code: $(cat "$work/put.json")"
# The watcher applies the written file; then the worker runs the connector with the override.
running() { curl -s "http://$address/connectors/masked/status" >"$work/status.json" && grep -qF '"state":"RUNNING"' "$work/status.json"; }
wait_for 30 "the connector with the override to run" running
code=$(curl -s -o "$work/get.json" -w '%{http_code}' "http://$address/connectors/masked/config")
[[ $code == 200 ]] || fail "GET /connectors/masked/config answered $code"
grep -qF '"consumer.override.ssl.key.password":"****"' "$work/get.json" || fail "not masked: $(cat "$work/get.json")"
! grep -rqF "$secret" "$work/put.json" "$work/get.json" "$work/status.json" "$log" || fail "the secret override's value was shown"
body='{"plugin": "fixture_recording_sink", "topics": "numbers", "topics": "other", "records.file": "/tmp/x"}'
code=$(curl -s -o "$work/dup.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" -d "$body" "http://$address/connectors/doubled/config")
[[ $code == 400 ]] || fail "a body with a repeated key answered $code: $(cat "$work/dup.json")"
grep -qF 'repeats the key \"topics\"' "$work/dup.json" || fail "no reason for the repeated key: $(cat "$work/dup.json")"
[[ ! -e $work/empty/doubled.json ]] || fail "the config with a repeated key was written to connectors.d/"
pass "secret overrides are masked over REST and in the log; a repeated key is refused"
kill -TERM "$runner"
wait_for 30 "the worker to stop" bash -c "! kill -0 $runner 2>/dev/null"
wait "$runner" || true
runner=
