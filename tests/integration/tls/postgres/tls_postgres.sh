#!/usr/bin/env bash
# TLS to PostgreSQL with sslmode=verify-full (issue 11): a PostgreSQL of this test's own with ssl=on,
# a server certificate signed by a private CA that the test makes with openssl (SAN: IP 127.0.0.1 and
# DNS localhost), password authentication (scram-sha-256) and TCP connections without TLS refused
# (pg_hba.conf has hostssl lines only), so that nothing can pass without TLS.
#
#   tls_postgres.sh verify_full|wrong_ca
#
#   verify_full  the shipped pipeline (copies of connectors.d) with the sink's DSN
#                `host=127.0.0.1 ... sslmode=verify-full sslrootcert=<ca.pem>` and the validator's
#                `host=localhost ...` (both names of the certificate): the server logs their
#                sessions as TLS (log_connections), `ingest run --until-done` exits 0 with the validator's PASS and
#                check_resumed_run.py finds exact counts.
#   wrong_ca     two sinks that must be refused: one trusts another self-made CA (libpq: certificate
#                verify failed), one trusts the right CA but names a host the certificate does not
#                (hostaddr=127.0.0.1 host=<a name not on it>: what verify-full adds to verify-ca).
#                Each task is FAILED with a trace that names the certificate problem; SIGTERM exits 1.
# In both, the DSN's password appears in no log line, status.json, REST answer or report.
# shellcheck source=../../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly TESTS_DIR

mode=${1:?verify_full or wrong_ca}
[[ $mode == verify_full || $mode == wrong_ca ]] || fail "unknown case '$mode' (verify_full or wrong_ca)"
readonly EVENTS=20000
fresh_work_dir
require_runner
for tool in openssl psql kcat curl python3; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done
bootstrap=$(service_file kafka/bootstrap)
topic=tls-pg-$mode-$(date +%s)-$$
pki=$INGEST_TEST_WORK/pki
pg_dir=$INGEST_TEST_WORK/pg
pgdata=
cleanup() {
  kill_test_processes
  "$INGEST_ROOT/scripts/postgres" stop --dir "$pg_dir" >/dev/null 2>&1 || true
  # The cluster may live outside the work directory (scripts/postgres's fallback under /tmp): its
  # password and pg_hba.conf must not greet the next run.
  [[ -n $pgdata && -f $pgdata/PG_VERSION ]] && rm -rf "$pgdata"
  return 0
}
trap cleanup EXIT

# ---- the private CAs and the server's certificate
mkdir -p "$pki"
make_ca() { # NAME
  openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 2 -subj "/CN=ingest test CA $1" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$pki/$1.key" -out "$pki/$1.pem" 2>>"$pki/openssl.log" || fail "openssl could not make CA $1 (see $pki/openssl.log)"
}
make_ca ca
make_ca other-ca
openssl req -new -nodes -newkey rsa:2048 -subj "/CN=localhost" -keyout "$pki/server.key" -out "$pki/server.csr" \
  2>>"$pki/openssl.log" || fail "openssl could not make the server's key"
printf '%s\n' "subjectAltName = IP:127.0.0.1, DNS:localhost" "extendedKeyUsage = serverAuth" \
  "keyUsage = critical, digitalSignature, keyEncipherment" >"$pki/server.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 -sha256 \
  -extfile "$pki/server.ext" -out "$pki/server.crt" 2>>"$pki/openssl.log" || fail "openssl could not sign the server's certificate"
openssl verify -CAfile "$pki/ca.pem" "$pki/server.crt" >/dev/null || fail "the server's certificate does not verify against its CA"
chmod a+rx "$pki" && chmod a+r "$pki"/*.pem   # the root certificates are read by the runner, any user

# ---- PostgreSQL with TLS only, a password, the certificate
plain_dsn=$("$INGEST_ROOT/scripts/postgres" start --dir "$pg_dir") || fail "cannot start a private PostgreSQL in $pg_dir"
port=$(sed -E 's/.*:([0-9]+)\/.*/\1/' <<<"$plain_dsn")
[[ $port =~ ^[0-9]+$ ]] || fail "no port in $plain_dsn"
pgdata=$(psql -X -tA -d "$plain_dsn" -c 'SHOW data_directory') || fail "cannot ask PostgreSQL for its data directory"
# A password that must never show up; it is never passed on a command line.
secret=tls-secret-$(openssl rand -hex 12)
install -m 0644 "$pki/server.crt" "$pgdata/server.crt"
install -m 0600 "$pki/server.key" "$pgdata/server.key"
# As root, the server runs as "postgres" (scripts/postgres): it must own its key.
[[ $EUID -eq 0 ]] && chown postgres: "$pgdata/server.crt" "$pgdata/server.key"
psql -X -q -v ON_ERROR_STOP=1 -d "$plain_dsn" -v secret="$secret" <<'SQL' || fail "cannot configure TLS and the password"
ALTER ROLE postgres PASSWORD :'secret';
ALTER SYSTEM SET ssl = on;
ALTER SYSTEM SET log_connections = on;
SQL
server_log=$(dirname "$pgdata")/server.log   # where scripts/postgres has pg_ctl write it
# Written in place, so that the file keeps its owner.
cat >"$pgdata/pg_hba.conf" <<'HBA'
# tls_postgres.sh: TCP only with TLS and a password; the Unix socket stays for local administration.
local    all  all                 trust
hostssl  all  all  127.0.0.1/32   scram-sha-256
hostssl  all  all  ::1/128        scram-sha-256
HBA
psql -X -q -tA -d "$plain_dsn" -c 'SELECT pg_reload_conf()' >/dev/null || fail "cannot reload PostgreSQL's configuration"

# tls_dsn HOST ROOTCERT [DATABASE] [extra key=value...]
tls_dsn() {
  echo "host=$1 port=$port dbname=${3:-ingest} user=postgres password=$secret sslmode=verify-full sslrootcert=$2${4:+ $4}"
}
export PGCONNECT_TIMEOUT=10
tls_works() { [[ $(psql -X -tA -d "$(tls_dsn 127.0.0.1 "$pki/ca.pem")" -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' 2>/dev/null) == t ]]; }
wait_until 30 "PostgreSQL to accept verify-full TLS connections" tls_works \
  || fail "no TLS connection: $(psql -X -tA -d "$(tls_dsn 127.0.0.1 "$pki/ca.pem")" -c 'SELECT 1' 2>&1 | head -3)"
# The server refuses TCP without TLS: whatever connects below is TLS.
if out=$(psql -X -tA -d "host=127.0.0.1 port=$port dbname=ingest user=postgres password=$secret sslmode=disable" -c 'SELECT 1' 2>&1); then
  fail "a TCP connection without TLS was accepted"
fi
grep -q 'no encryption' <<<"$out" || fail "a connection without TLS failed for another reason: $out"
# libpq itself refuses the other CA's trust: the product's refusal below is libpq's, not ours.
if psql -X -tA -d "$(tls_dsn 127.0.0.1 "$pki/other-ca.pem")" -c 'SELECT 1' >/dev/null 2>&1; then
  fail "psql accepted the server's certificate with another CA's root"
fi
pass "PostgreSQL on 127.0.0.1:$port serves TLS only, certificate signed by the test's CA"

export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
state=$INGEST_STATE_DIR
log=$INGEST_TEST_WORK/ingest.log
connector() {
  python3 "$TESTS_DIR/scenarios/connector.py" "$CONNECTORS_DIR/$1.json" "connectors/$2.json" "$2" "${@:3}"
}
mkdir connectors

# Nothing the runner wrote may hold the password.
assert_secret_kept() {
  local found
  found=$(grep -rlF -- "$secret" "$log" "$state" 2>/dev/null || true)
  [[ -z $found ]] || fail "the DSN's password appears in: $found"
}

if [[ $mode == verify_full ]]; then
  database=it_tls_pg_verify_full
  fresh_database "$(tls_dsn 127.0.0.1 "$pki/ca.pem")" "$database" >/dev/null
  sink_dsn=$(tls_dsn 127.0.0.1 "$pki/ca.pem" "$database")
  sim=tls-pg-simulator sink=tls-pg-postgres validator=tls-pg-validator
  dlq=$topic.dlq
  connector user-events-simulator "$sim" topic="$topic" events="$EVENTS"
  # The shipped DSN (${env:INGEST_PG_DSN}) for the sink; the validator by the other name.
  export INGEST_PG_DSN=$sink_dsn
  connector user-events-postgres "$sink" topics="$topic"
  connector user-events-validator "$validator" topics="$topic,$dlq" source.topic="$topic" dlq.topic="$dlq" \
    sink.connector="$sink" connection.dsn="$(tls_dsn localhost "$pki/ca.pem" "$database")"
  grep -q '"connection.dsn": "${env:INGEST_PG_DSN}"' "connectors/$sink.json" || fail "the shipped sink no longer reads INGEST_PG_DSN"
  "$INGEST_BIN" run --connectors connectors --state-dir "$state" --bootstrap "$bootstrap" --until-done \
    >"$log" 2>&1 </dev/null &
  runner=$!
  test_pids+=("$runner")
  wait_until 240 "ingest run --until-done to exit" not pid_alive "$runner" || { show_log "$log" 60; fail "the run did not end"; }
  status=0
  wait "$runner" || status=$?
  assert_no_crash "$status" "$log"
  ((status == 0)) || { show_log "$log" 60; fail "ingest run --until-done exited $status over TLS"; }
  grep -q "connector $validator task 0: .*verdict PASS" "$log" || { show_log "$log" 60; fail "no verdict PASS from $validator"; }
  python3 "$TESTS_DIR/faults/check_resumed_run.py" --audit "$state/user-events.audit.jsonl" \
    --report "$state/validation-report.json" --dsn "$sink_dsn" --bootstrap "$bootstrap" --topic "$topic" \
    --dlq "$dlq" --sink-connector "$sink" --events "$EVENTS" || fail "the run does not match the truth (see FAIL above)"
  # The server's own record of each session (log_connections): the sink's and the validator's were TLS.
  for app in "ingest/$sink" ingest-validator; do
    grep -qE "connection authorized: user=postgres database=$database application_name=$app SSL enabled" "$server_log" \
      || { tail -n 20 "$server_log" >&2; fail "the server logged no TLS session of $app"; }
  done
  assert_secret_kept
  pass "verify-full TLS to PostgreSQL (127.0.0.1 and localhost): the validator's PASS with exact counts, the password kept"
  exit 0
fi

# wrong_ca: two sinks, each refused at its first connection; no automatic restarts, so that FAILED
# is final.
database=it_tls_pg_wrong_ca
fresh_database "$(tls_dsn 127.0.0.1 "$pki/ca.pem")" "$database" >/dev/null
connector user-events-postgres tls-pg-other-ca topics="$topic" errors.restart.max=0 \
  connection.dsn="$(tls_dsn 127.0.0.1 "$pki/other-ca.pem" "$database")"
connector user-events-postgres tls-pg-wrong-host topics="$topic" errors.restart.max=0 \
  connection.dsn="$(tls_dsn ingest-not-on-the-certificate.invalid "$pki/ca.pem" "$database" hostaddr=127.0.0.1)"
"$INGEST_BIN" run --connectors connectors --state-dir "$state" --bootstrap "$bootstrap" >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")

# task_field NAME FIELD: a field of the connector's task 0 in status.json.
task_field() {
  python3 - "$state/status.json" "$1" "$2" <<'PY' 2>/dev/null
import json, sys
statuses = json.load(open(sys.argv[1], encoding="utf-8"))
for status in statuses if isinstance(statuses, list) else statuses.get("connectors", []):
    if status.get("name") == sys.argv[2] and status.get("tasks"):
        print(status["tasks"][0].get(sys.argv[3], ""))
PY
}
both_failed() {
  pid_alive "$runner" || { show_log "$log"; fail "ingest run exited"; }
  [[ $(task_field tls-pg-other-ca state) == FAILED && $(task_field tls-pg-wrong-host state) == FAILED ]]
}
wait_until 120 "both sinks to be FAILED" both_failed || { show_log "$log"; cat "$state/status.json" >&2; fail "a refused TLS connection did not fail its task"; }
other_trace=$(task_field tls-pg-other-ca trace)
host_trace=$(task_field tls-pg-wrong-host trace)
echo "other CA:   $other_trace"
echo "wrong host: $host_trace"
grep -q 'sink_postgres cannot start: cannot connect to PostgreSQL' <<<"$other_trace" || fail "the other-CA trace does not say the sink could not connect"
grep -qi 'certificate verify failed' <<<"$other_trace" || fail "the other-CA trace does not name the certificate problem"
grep -qE 'server certificate for "[^"]+".* does not match host name "ingest-not-on-the-certificate.invalid"' <<<"$host_trace" \
  || fail "the wrong-host trace does not name the host-name mismatch"
grep -qF '****' <<<"$other_trace" || fail "the trace does not show the DSN masked"
# The same over REST, and through the CLI's view of it.
rest=$(<"$state/rest")
curl -fsS "http://$rest/connectors/tls-pg-other-ca/status" >"$INGEST_TEST_WORK/rest-status.json" || fail "GET /connectors/tls-pg-other-ca/status failed"
grep -q 'certificate verify failed' "$INGEST_TEST_WORK/rest-status.json" || fail "REST status lacks the reason: $(cat "$INGEST_TEST_WORK/rest-status.json")"
curl -fsS "http://$rest/connectors?expand=status&expand=info" >"$INGEST_TEST_WORK/rest-connectors.json" || fail "GET /connectors?expand failed"
curl -fsS "http://$rest/metrics" >"$INGEST_TEST_WORK/metrics.txt" || fail "GET /metrics failed"
! grep -lF -- "$secret" "$INGEST_TEST_WORK"/rest-*.json "$INGEST_TEST_WORK/metrics.txt" || fail "the password is in a REST answer"
assert_secret_kept

kill -TERM "$runner"
wait_until 60 "the worker to exit" not pid_alive "$runner" || fail "the worker did not stop"
status=0
wait "$runner" || status=$?
assert_no_crash "$status" "$log"
((status == 1)) || { show_log "$log"; fail "the worker exited $status with FAILED tasks, not 1"; }
assert_secret_kept
pass "a DSN trusting another CA and one naming a host off the certificate are refused, each naming why; the password kept"
