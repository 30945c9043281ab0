#!/usr/bin/env bash
# Hostile connector configs against the real pipeline (simulator → embedded broker → sink_postgres
# and validator) on the private PostgreSQL:
#
# 1. SQL identifiers: the sink's schema and tables are named with quotes, semicolons, SQL
#    comments, a backslash and non-ASCII characters. The sink creates exactly those tables (and
#    nothing else: the database's other schema and its canary table are untouched), writes the
#    stream there, and the validator reads the same tables and passes.
# 2. Secrets: the DSNs carry a known random password (libpq key=value for one connector, URI for
#    the others; the test server trusts loopback, so any password connects), and a third sink
#    fails to connect with it. Afterwards the password appears nowhere the worker reports: its log,
#    the state directory (status.json, reports), any REST answer (connectors, configs, statuses,
#    tasks, validate errors, /metrics, /worker/metrics) or the CLI's output.
#
# Needs the CTest fixture `postgres`; INGEST_BIN, INGEST_PLUGIN_DIR, INGEST_TEST_SERVICES and
# INGEST_TEST_WORK come from tests/plugin/CMakeLists.txt.
# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

fresh_work_dir
require_runner
mkdir connectors state out

secret=pw$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
database=it_hostile_configs
dsn=$(fresh_database "$(service_file postgres/dsn)" "$database")  # postgresql://user@127.0.0.1:PORT/db
authority=${dsn#*://}
authority=${authority%%/*}
user=${authority%@*} hostport=${authority#*@}
export HOSTILE_URI_DSN="postgresql://$user:$secret@$hostport/$database"
export HOSTILE_KV_DSN="host=${hostport%:*} port=${hostport#*:} user=$user password=$secret dbname=$database"
export HOSTILE_UNREACHABLE_DSN="postgresql://$user:$secret@127.0.0.1:$(free_port)/$database"
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state

# At most 63 bytes each: PostgreSQL would cut longer ones (and the sink refuses them).
schema='Ingest "Schéma"; DROP SCHEMA public CASCADE; --'
table='🚀 évènements"; DROP TABLE public.canary; --'
deletions="del'etions; SELECT pg_sleep(10); --"
offsets='off"sets\ $$ x $$'

psql -X -q -v ON_ERROR_STOP=1 -d "$dsn" -c 'CREATE TABLE public.canary (x int)' -c 'INSERT INTO public.canary VALUES (42)' \
  || fail "cannot prepare the database"

# The connector files, written by a JSON library: the names are data, never pasted into JSON text.
SCHEMA=$schema TABLE=$table DELETIONS=$deletions OFFSETS=$offsets python3 - <<'PY'
import json, os
names = {"schema": os.environ["SCHEMA"], "table": os.environ["TABLE"],
         "deletions.table": os.environ["DELETIONS"], "offsets.table": os.environ["OFFSETS"]}
state = "${env:INGEST_STATE_DIR}"
connectors = {
    "simulator": {"plugin": "source_event_simulator", "topic": "user-events", "events": "3000", "seed": "7",
                  "rate": "0", "audit.log": state + "/audit.jsonl", "deletion.rate": "0.05",
                  "malformed.rate": "0.01", "progress.interval.ms": "1000"},
    "postgres": {"plugin": "sink_postgres", "topics": "user-events", "connection.dsn": "${env:HOSTILE_URI_DSN}",
                 **names},
    "validator": {"plugin": "sink_validator", "topics": "user-events,user-events.dlq",
                  "connection.dsn": "${env:HOSTILE_KV_DSN}", "audit.log": state + "/audit.jsonl",
                  "report.path": state + "/report.json", "sink.connector": "postgres", "timeout.ms": "240000",
                  **names},
    "unreachable": {"plugin": "sink_postgres", "topics": "user-events", "connection.dsn": "${env:HOSTILE_UNREACHABLE_DSN}",
                    "table": "never", "retry.max": "0", "errors.restart.max": "0"},
}
for name, config in connectors.items():
    with open(f"connectors/{name}.json", "w", encoding="utf-8") as f:
        json.dump({"name": name, "config": config}, f, ensure_ascii=False, indent=1)
PY

log=$INGEST_TEST_WORK/ingest.log
"$INGEST_BIN" run --plugin-path "$INGEST_PLUGIN_DIR" --connectors connectors --state-dir "$INGEST_STATE_DIR" \
  --rest-listen 127.0.0.1:0 --log-level debug >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")

verdict_given() { grep -q '"verdict":{"passed"' "$INGEST_STATE_DIR/status.json" 2>/dev/null || ! pid_alive "$runner"; }
wait_until 300 "the validator's verdict" verdict_given || { show_log "$log" 60; fail "no verdict"; }
pid_alive "$runner" || { show_log "$log" 60; fail "the worker exited"; }
grep -q '"verdict":{"passed":true' "$INGEST_STATE_DIR/status.json" ||
  { show_log "$log" 60; fail "the validator did not pass: $(cat "$INGEST_STATE_DIR/status.json")"; }
unreachable_failed() { grep -q '"name":"unreachable".*"state":"FAILED"' "$INGEST_STATE_DIR/status.json"; }
wait_until 60 "the unreachable sink to fail" unreachable_failed || fail "$(cat "$INGEST_STATE_DIR/status.json")"

# 1. Exactly the configured tables exist, in exactly the configured schema; the canary lives.
catalog_check=$(psql -X -At -v ON_ERROR_STOP=1 -d "$dsn" -v schema="$schema" -v table="$table" \
  -v deletions="$deletions" -v offsets="$offsets" <<'SQL'
SELECT string_agg(format('%I.%I', n.nspname, c.relname), ' | ' ORDER BY n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND (n.nspname, c.relname) NOT IN (('public', 'canary'), (:'schema', :'table'), (:'schema', :'deletions'),
                                      (:'schema', :'offsets'));
SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT IN ('information_schema', 'public', :'schema');
SELECT x FROM public.canary;
SELECT count(*) > 0 FROM :"schema".:"table";
SELECT count(*) > 0 FROM :"schema".:"deletions";
SELECT count(*) FROM :"schema".:"offsets" WHERE connector = 'postgres';
SQL
) || fail "psql: $catalog_check"
mapfile -t facts <<<"$catalog_check"
[[ -z ${facts[0]} ]] || fail "tables beyond the configured ones: ${facts[0]}"
[[ ${facts[1]} == 0 ]] || fail "${facts[1]} schemas beyond public and the configured one"
[[ ${facts[2]} == 42 ]] || fail "the canary table changed: ${facts[2]}"
[[ ${facts[3]} == t && ${facts[4]} == t ]] || fail "the configured tables are empty: ${facts[*]}"
((facts[5] > 0)) || fail "no offsets stored for the sink"
pass "hostile identifiers: exactly the configured schema and tables, written and validated (PASS)"

# 2. Everything the worker tells anyone, collected while it runs.
address=$(cat "$INGEST_STATE_DIR/rest")
token=$(cat "$INGEST_STATE_DIR/token")
get() { curl -s "http://$address$1" >"out/$2" || fail "GET $1"; }
get /connectors connectors.json
get '/connectors?expand=status&expand=info' connectors-expanded.json
get /connector-plugins plugins.json
get /connector-plugins/sink_postgres/config plugin-config.json
get /metrics metrics.txt
get /worker/metrics worker-metrics.json
get /health health.json
for name in simulator postgres validator unreachable; do
  for path in "" /config /status /tasks /topics /offsets; do get "/connectors/$name$path" "$name${path//\//-}.json"; done
done
grep -q '"connection.dsn":"\*\*\*\*"' out/connectors-expanded.json || fail "no masked DSN in the REST answer: the check looks at nothing"
grep -q 'ingest_sink_records_put_total{connector="postgres"' out/metrics.txt || fail "no sink metrics: the check looks at nothing"
# Bad configs carrying the secret in their password key (a DSN libpq cannot parse, beside a table
# name PostgreSQL would cut): validation errors must not quote it back.
body=$(HOSTILE_KV_DSN=$HOSTILE_KV_DSN python3 -c '
import json, os
print(json.dumps({"connector.class": "sink_postgres", "topics": "user-events",
                  "connection.dsn": os.environ["HOSTILE_KV_DSN"] + " sslmode", "table": "t" * 64}))')
curl -s -X PUT -H 'Content-Type: application/json' -H "Authorization: Bearer $token" -d "$body" \
  "http://$address/connector-plugins/sink_postgres/config/validate" >out/validate.json
grep -q '"error_count":[1-9]' out/validate.json || fail "the bad config validated: $(cat out/validate.json)"
curl -s -X PUT -H 'Content-Type: application/json' -H "Authorization: Bearer $token" -d "$body" \
  "http://$address/connectors/leak-attempt/config" >out/put-config.json
grep -q '"error_code":400' out/put-config.json || fail "the bad config was accepted: $(cat out/put-config.json)"
cli() { "$INGEST_BIN" "$@" --state-dir "$INGEST_STATE_DIR"; }
cli status >out/cli-status.txt 2>&1 || true
cli connectors list --json >out/cli-list.json 2>&1 || fail "connectors list"
for name in postgres validator unreachable; do
  cli connectors describe "$name" >"out/cli-describe-$name.txt" 2>&1 || fail "connectors describe $name"
  cli connectors status "$name" >"out/cli-status-$name.txt" 2>&1 || true
done
"$INGEST_BIN" connectors validate connectors/postgres.json --plugin-path "$INGEST_PLUGIN_DIR" >out/cli-validate.txt 2>&1 ||
  fail "connectors validate: $(cat out/cli-validate.txt)"

kill -TERM "$runner"
wait_until 60 "the worker to stop" not pid_alive "$runner" || fail "the worker did not stop"
status=0; wait "$runner" || status=$?
((status == 1)) || { show_log "$log"; fail "exit $status; expected 1 (the unreachable sink FAILED)"; }

leaks=$(grep -rlF -- "$secret" "$log" "$INGEST_STATE_DIR" out || true)
[[ -z $leaks ]] || fail "the password appears in: $leaks"
pass "secrets: the DSNs' password appears in no log line, state file, REST answer, metric or CLI output"
