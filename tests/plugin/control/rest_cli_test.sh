#!/usr/bin/env bash
# `ingest run` serves the REST API: it publishes its address in <state-dir>/rest, creates the token
# file (mode 0600), refuses mutating calls without it, removes the address file when it stops, and a
# busy address is an error naming it (exit 2) before any connector starts.
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
echo "PASS"
