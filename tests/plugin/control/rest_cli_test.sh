#!/usr/bin/env bash
# `ingest run` serves the REST API: it publishes its address in <state-dir>/rest, creates the token
# file (mode 0600), refuses mutating calls without it, removes the address file when it stops, and a
# busy address is an error naming it (exit 2) before any connector starts. The same settings come
# from a worker config file, whose unknown keys are refused by name.
set -euo pipefail
ingest=$1 fixtures=$2 work=$3
rm -rf "$work" && mkdir -p "$work/connectors"
cat >"$work/connectors/source.json" <<'JSON'
{"name": "source", "config": {"plugin": "fixture_paced_source", "topic": "numbers", "rate": 50}}
JSON
fail() { echo "FAIL: $*" >&2; cat "$work/log" >&2 || true; exit 1; }
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; true; }
trap cleanup EXIT

"$ingest" run --plugin-path "$fixtures" --connectors "$work/connectors" --state-dir "$work/state" \
  --rest-listen 127.0.0.1:0 >"$work/log" 2>&1 &
pid=$!
deadline=$((SECONDS + 30))
until [[ -s $work/state/rest ]]; do
  ((SECONDS < deadline)) || fail "no $work/state/rest within 30 s"
  kill -0 "$pid" 2>/dev/null || fail "ingest run exited early"
  sleep 0.05
done
address=$(cat "$work/state/rest")
[[ $(stat -c %a "$work/state/token") == 600 ]] || fail "token file mode is $(stat -c %a "$work/state/token")"
token=$(cat "$work/state/token")

# Healthy once the connectors present at start are applied (503 "starting" before).
deadline=$((SECONDS + 30))
until [[ $(curl -s "http://$address/health") == *'"status":"healthy"'* ]]; do
  ((SECONDS < deadline)) || fail "GET /health never healthy"
  sleep 0.05
done
curl -sf "http://$address/metrics" | grep -q '^# TYPE ingest_' || fail "GET /metrics has no ingest_ series"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://$address/connectors/source/pause")
[[ $code == 401 ]] || fail "pause without the token answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -u "admin:$token" "http://$address/connectors/source/pause")
[[ $code == 202 ]] || fail "pause with the token (Basic) answered $code"

# A second worker on the same address: a clear error, exit 2.
set +e
"$ingest" run --plugin-path "$fixtures" --connectors "$work/connectors" --state-dir "$work/state2" \
  --rest-listen "$address" >"$work/log2" 2>&1
code=$?
set -e
[[ $code == 2 ]] || fail "a busy REST address exited $code, not 2"
grep -q "cannot listen on $address" "$work/log2" || fail "the error does not name $address: $(cat "$work/log2")"

kill -INT "$pid"
wait "$pid" || fail "ingest run exited $? after SIGINT"
pid=
[[ ! -e $work/state/rest ]] || fail "$work/state/rest is left behind"

# The same settings from a worker config file (TOML; `ingest run`'s keys under [run]).
cat >"$work/worker.toml" <<TOML
plugin-path = ["$fixtures"]
[run]
connectors = "$work/connectors"
state-dir = "$work/state3"
rest-listen = "127.0.0.1:0"
rest-token-file = "$work/secret/token"
TOML
mkdir -p "$work/secret"
"$ingest" --worker-config "$work/worker.toml" run >"$work/log3" 2>&1 &
pid=$!
deadline=$((SECONDS + 30))
until [[ -s $work/state3/rest ]]; do
  ((SECONDS < deadline)) || { cat "$work/log3" >&2; fail "the worker config's state-dir has no rest file within 30 s"; }
  kill -0 "$pid" 2>/dev/null || { cat "$work/log3" >&2; fail "ingest run with a worker config exited early"; }
  sleep 0.05
done
[[ $(stat -c %a "$work/secret/token") == 600 && ! -e $work/state3/token ]] || fail "rest-token-file from the worker config not used"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $(cat "$work/secret/token")" \
  "http://$(cat "$work/state3/rest")/connectors/source/pause")
[[ $code == 202 ]] || fail "pause with the worker config's token answered $code"
kill -INT "$pid"
wait "$pid" || fail "ingest run (worker config) exited $? after SIGINT"
pid=

# The shipped example parses (the command line wins over it), and an unknown key is refused by name.
"$ingest" --worker-config "$(dirname "$0")/../../../ops/worker.example.toml" --plugin-path "$fixtures" run \
  --connectors "$work/connectors" --state-dir "$work/state4" --rest-listen 127.0.0.1:0 >"$work/log4" 2>&1 &
pid=$!
deadline=$((SECONDS + 30))
until [[ -s $work/state4/rest ]]; do
  ((SECONDS < deadline)) || { cat "$work/log4" >&2; fail "the example worker config did not start"; }
  kill -0 "$pid" 2>/dev/null || { cat "$work/log4" >&2; fail "ingest run with ops/worker.example.toml exited early"; }
  sleep 0.05
done
kill -INT "$pid"
wait "$pid" || fail "ingest run (example config) exited $? after SIGINT"
pid=
printf '[run]\nrest-lissen = "127.0.0.1:0"\n' >"$work/bad.toml"
set +e
"$ingest" --worker-config "$work/bad.toml" run --connectors "$work/connectors" >"$work/log5" 2>&1
code=$?
set -e
[[ $code == 2 ]] && grep -q 'run.rest-lissen' "$work/log5" || fail "an unknown worker config key exited $code: $(cat "$work/log5")"
echo "PASS"
