#!/usr/bin/env bash
# The control plane on the private real Kafka broker and PostgreSQL: an operator drives a running
# worker (`ingest run`) through every REST endpoint and every client command of the CLI while the
# shipped pipeline runs (copies of connectors.d/ with this test's own topic and databases):
#
#   cp-source (source_event_simulator, paced) → topic → cp-postgres (sink_postgres, database *_ops)
#                                                     → cp-outage   (sink_postgres, database *_outage)
#   cp-validate-ops, cp-validate-outage (sink_validator): one verdict per sink.
#
# cp-postgres is paused, stopped, started, failed on purpose and restarted; cp-outage loses its
# database and is restarted automatically; connectors are added, changed, broken and removed through
# connectors.d/ and through the API; refused requests change nothing. Both validators must PASS at
# the end: the exactly-once effect held through all of it. (The offsets endpoints and `ingest
# connectors offsets` are driven by tests/integration/offsets/offsets_reset.sh.)
#
#   control_plane.sh [SCENARIO...]     (default: every scenario of SCENARIOS, in order)
#
# Adding a scenario: write a function scenario_<name> (it starts and ends with every connector of
# the pipeline RUNNING), add <name> to SCENARIOS. The helpers below call the API (`call`, `expect`),
# the CLI (`cli`, `cli_expect`), read JSON answers (`field`) and wait on conditions (`wait_for`).
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCENARIOS=(read_endpoints pause_resume stop_start forced_failure_restart database_outage refused_requests
  hot_reload create_update_delete)

# The source is paced so that it is still producing while the scenarios that need records arriving
# run (pause, stop, the forced failure, the outage: about a minute); the rest overlaps its tail.
readonly CP_RATE=${CP_RATE:-500} CP_EVENTS=${CP_EVENTS:-50000}
# The test bounds its own run time (ctest's TIMEOUT is above it).
readonly BUDGET_SECONDS=${CP_BUDGET_SECONDS:-330}


work=$INGEST_TEST_WORK
state=$work/state
connectors=$work/connectors
log=$work/ingest.log
response=$work/response.json
started_at=$SECONDS
runner=
rest=
token=

json() { python3 "$HERE/cp_json.py" "$@"; }
# field PATH...: values of the last answer (cp_json.py get).
field() { json get "$response" "$@"; }

# wait_for SECONDS WHAT COMMAND...: wait_until within the test's budget; fails at the deadline.
wait_for() {
  local seconds=$1 what=$2 left=$((BUDGET_SECONDS - (SECONDS - started_at)))
  shift 2
  ((left > 0)) || fail "over the test's budget of ${BUDGET_SECONDS}s before waiting for $what"
  ((seconds <= left)) || seconds=$left
  pid_alive "$runner" || { show_log "$log"; fail "the worker died (waiting for $what)"; }
  wait_until "$seconds" "$what" "$@" || { show_log "$log" 30; fail "timed out after ${seconds}s waiting for $what"; }
}

# call [--no-token|--token|--basic|--wrong-token] METHOD PATH [BODY]: one REST request to the worker;
# its HTTP status in $code, its body in $response. By default reads carry no token (a loopback
# worker needs none for them) and mutating requests carry `Authorization: Bearer <token>`.
# BODY is curl's --data-binary: a literal, or @FILE.
call() {
  local auth=default
  case $1 in --no-token | --token | --basic | --wrong-token) auth=${1#--}; shift ;; esac
  local method=$1 path=$2
  local -a args=(-sS --max-time 60 -o "$response" -w '%{http_code}' -X "$method")
  if [[ $auth == default ]]; then [[ $method == GET ]] && auth=no-token || auth=token; fi
  case $auth in
    token) args+=(-H "Authorization: Bearer $token") ;;
    basic) args+=(-u "operator:$token") ;;
    wrong-token) args+=(-H "Authorization: Bearer ${token//?/0}") ;;
  esac
  (($# < 3)) || args+=(-H 'Content-Type: application/json' --data-binary "$3")
  code=$(curl "${args[@]}" "http://$rest$path" 2>"$work/curl.err") || code=000
}

# expect STATUS [call options] METHOD PATH [BODY]: the request answers STATUS; an error answer has
# Kafka Connect's shape {"error_code": STATUS, "message": ...}.
expect() {
  local want=$1
  shift
  call "$@"
  [[ $code == "$want" ]] || fail "$* answered $code, expected $want: $(head -c 600 "$response") $(cat "$work/curl.err")"
  if ((want >= 400)); then
    local shape
    shape=$(field error_code message | head -c 200 | tr '\n' ' ') || true
    [[ $shape == "$want "[![:space:]]* ]] \
      || fail "$* answered $want without {\"error_code\": $want, \"message\"}: $(head -c 300 "$response")"
  fi
}

# The operator CLI, finding the worker and its token through the state directory.
cli() { "$INGEST_BIN" "$@" --state-dir "$state"; }
# cli_expect STATUS ARGS...: the client command exits STATUS; its output in $work/cli.out and .err.
cli_expect() {
  local want=$1 status=0
  shift
  "$INGEST_BIN" "$@" >"$work/cli.out" 2>"$work/cli.err" || status=$?
  ((status == want)) || fail "'ingest $*' exited $status, expected $want: $(cat "$work/cli.out" "$work/cli.err")"
}

status_of() { call GET "/connectors/$1/status" && [[ $code == 200 ]]; }
# task_is NAME STATE: NAME's task 0 is in STATE.
task_is() { status_of "$1" && [[ $(field tasks.0.state) == "$2" ]]; }
# connector_is NAME STATE: the connector and every one of its tasks (it has some) are in STATE.
connector_is() {
  status_of "$1" && [[ $(field connector.state) == "$2" ]] && (($(field tasks.#) > 0)) || return 1
  local i
  for ((i = 0; i < $(field tasks.#); i++)); do [[ $(field "tasks.$i.state") == "$2" ]] || return 1; done
}
task_restarts() { status_of "$1" || fail "no status of $1: $code"; field tasks.0.restarts; }
connector_restarts() { status_of "$1" || fail "no status of $1: $code"; field connector.restarts; }
gone() { call GET "/connectors/$1" && [[ $code == 404 ]]; }
# Scenarios that need records arriving check first that the paced source is still producing.
require_source_producing() {
  task_is cp-source RUNNING \
    || fail "cp-source is $(field tasks.0.state) before scenario $1, which needs records arriving (raise CP_EVENTS)"
}

# committed DSN CONNECTOR: the records the sink committed, as its own offsets table holds them (the
# sum of its next offsets, written in the same transaction as the rows).
committed() {
  psql -X -q -tA -v ON_ERROR_STOP=1 -d "$1" -v connector="$2" \
    <<<"SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = :'connector'" 2>/dev/null || echo -1
}
committed_above() { (($(committed "$1" "$2") > $3)); }
# metric NAME CONNECTOR: the sum of NAME's series of CONNECTOR's tasks in GET /metrics.
metric() {
  curl -sS --max-time 30 "http://$rest/metrics" | awk -v name="$1{" -v connector="connector=\"$2\"" \
    'index($1, name) == 1 && index($1, connector) { sum += $2 } END { printf "%d\n", sum }'
}
topic_end() { topic_end_offsets "$bootstrap" "$topic" || echo -1; }
topic_grew_to() { (($(topic_end) >= $1)); }
# task_starts NAME: how often NAME's task 0 started in this worker (its log's start markers).
task_starts() { grep -cE "\[$1-0\] (source|sink) task started" "$log" || true; }
log_lines() { wc -l <"$log"; }
# logged_since LINE PATTERN: PATTERN (grep -E) appears in the worker's log after line LINE.
logged_since() { tail -n "+$(($1 + 1))" "$log" | grep -qE "$2"; }
count_since() { tail -n "+$(($1 + 1))" "$log" | grep -cE "$2" || true; }

# A stable text of every connector's state, config error and config (what a refused request must
# not change), with a digest of the connectors directory.
snapshot() {
  call GET '/connectors?expand=info&expand=status'
  [[ $code == 200 ]] || fail "GET /connectors?expand=info&expand=status answered $code"
  json snapshot "$response"
  (cd "$connectors" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

# write_connector FILE.json SOURCE: puts SOURCE into connectors/ the way an editor or a deployment
# tool should, a temporary name first and then a rename, so the watcher never reads half a file.
write_connector() {
  cp "$2" "$connectors/.$1.tmp"
  mv "$connectors/.$1.tmp" "$connectors/$1"
}

# The value in column HEADER of the CLI table row whose first cell is KEY (tables are aligned by
# padding: a column starts where its header does).
table_cell() {
  awk -v key="$2" -v header="$3" '
    index($0, header) && $1 ~ /^[A-Z]+$/ { at = index($0, header); next }
    at && $1 == key { cell = substr($0, at); sub(/^ +/, "", cell); split(cell, parts, "  "); print parts[1]; exit }' "$1"
}

set_database_connections() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$server_dsn" -c "ALTER DATABASE \"$outage_db\" ALLOW_CONNECTIONS $1" >/dev/null
}

cleanup() {
  kill_test_processes
  [[ -n ${outage_db:-} ]] && set_database_connections true 2>/dev/null
  return 0
}
trap cleanup EXIT

# ----------------------------------------------------------------------------------------------------
setup() {
  fresh_work_dir
  require_runner
  local tool
  for tool in curl kcat psql python3; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done
  bootstrap=$(service_file kafka/bootstrap)
  server_dsn=$(service_file postgres/dsn)
  ops_db=it_control_plane_ops
  outage_db=it_control_plane_outage
  ops_dsn=$(fresh_database "$server_dsn" "$ops_db")
  outage_dsn=$(fresh_database "$server_dsn" "$outage_db")
  topic=cp-events-$(date +%s)-$$
  mkdir -p "$connectors"

  local audit=$work/audit.jsonl
  json derive "$CONNECTORS_DIR/user-events-simulator.json" "$connectors/cp-source.json" cp-source \
    topic="$topic" events="$CP_EVENTS" rate="$CP_RATE" audit.log="$audit" progress.interval.ms=10000
  # cp-postgres: errors.restart.max=0, so that a forced failure stays FAILED until an operator acts.
  json derive "$CONNECTORS_DIR/user-events-postgres.json" "$connectors/cp-postgres.json" cp-postgres \
    topics="$topic" connection.dsn="$ops_dsn" batch.max.ms=200 errors.deadletterqueue.topic.name="$topic.ops.dlq" \
    errors.restart.max=0
  # cp-outage: few and short retries inside put(), so that it gives up fast; quick automatic restarts.
  json derive "$CONNECTORS_DIR/user-events-postgres.json" "$connectors/cp-outage.json" cp-outage \
    topics="$topic" connection.dsn="$outage_dsn" batch.max.ms=200 errors.deadletterqueue.topic.name="$topic.outage.dlq" \
    retry.max=2 retry.backoff.ms=50 retry.backoff.max.ms=200 \
    errors.restart.max=20 errors.restart.backoff.ms=500 errors.restart.backoff.max.ms=4000
  local which dsn
  for which in ops outage; do
    [[ $which == ops ]] && dsn=$ops_dsn || dsn=$outage_dsn
    json derive "$CONNECTORS_DIR/user-events-validator.json" "$connectors/cp-validate-$which.json" "cp-validate-$which" \
      topics="$topic,$topic.$which.dlq" connection.dsn="$dsn" audit.log="$audit" report.path="$work/$which-report.json" \
      sink.connector="$([[ $which == ops ]] && echo cp-postgres || echo cp-outage)" source.topic="$topic" \
      dlq.topic="$topic.$which.dlq" timeout.ms=400000
  done

  "$INGEST_BIN" run --plugin-path "$INGEST_PLUGIN_DIR" --connectors "$connectors" --state-dir "$state" \
    --bootstrap "$bootstrap" >"$log" 2>&1 </dev/null &
  runner=$!
  test_pids+=("$runner")
  wait_for 60 "the worker's REST address and token" test -s "$state/rest" -a -s "$state/token"
  rest=$(<"$state/rest")
  token=$(<"$state/token")
  healthy() { call GET /health && [[ $code == 200 ]]; }
  wait_for 60 "GET /health to answer 200" healthy
  local name
  for name in cp-source cp-postgres cp-outage cp-validate-ops cp-validate-outage; do
    wait_for 60 "$name to run" connector_is "$name" RUNNING
  done
  both_committed() { committed_above "$ops_dsn" cp-postgres 0 && committed_above "$outage_dsn" cp-outage 0; }
  wait_for 60 "both sinks to commit records" both_committed
  pass "setup: worker at $rest runs the pipeline on topic $topic (Kafka $bootstrap)"
}

# ----------------------------------------------------------------------------------------------------
# Every read endpoint, and the CLI's read commands, against the running pipeline.
scenario_read_endpoints() {
  expect 200 GET /
  [[ -n $(field version) && -n $(field commit) ]] || fail "GET / lacks version or commit: $(cat "$response")"
  expect 200 GET /health
  [[ $(field status) == healthy ]] || fail "GET /health: $(cat "$response")"

  expect 200 GET /connectors
  local names
  names=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1])))))' "$response")
  [[ $names == "cp-outage cp-postgres cp-source cp-validate-ops cp-validate-outage" ]] \
    || fail "GET /connectors lists '$names'"
  expect 200 GET '/connectors?expand=status'
  [[ $(field cp-postgres.status.connector.state) == RUNNING && $(field cp-source.status.type) == source ]] \
    || fail "GET /connectors?expand=status: $(head -c 600 "$response")"
  expect 200 GET '/connectors?expand=info'
  [[ $(field cp-postgres.info.config.topics) == "$topic" && $(field cp-postgres.info.type) == sink ]] \
    || fail "GET /connectors?expand=info: $(head -c 600 "$response")"

  expect 200 GET /connectors/cp-postgres
  [[ $(field name) == cp-postgres && $(field type) == sink && $(field tasks.0.connector) == cp-postgres &&
    $(field tasks.0.task) == 0 ]] || fail "GET /connectors/cp-postgres: $(cat "$response")"
  [[ $(field config.connection.dsn) == '****' ]] || fail "GET /connectors/cp-postgres shows the DSN unmasked"
  expect 200 GET /connectors/cp-postgres/config
  [[ $(field plugin) == sink_postgres && $(field topics) == "$topic" && $(field connection.dsn) == '****' ]] \
    || fail "GET /connectors/cp-postgres/config: $(cat "$response")"
  ! grep -qF "$ops_dsn" "$response" || fail "GET .../config leaks the DSN"
  expect 200 GET /connectors/cp-postgres/status
  [[ $(field name) == cp-postgres && $(field type) == sink && $(field tasks.0.id) == 0 &&
    -n $(field tasks.0.worker_id) && $(field tasks.0.restarts) == 0 ]] || fail "GET .../status: $(cat "$response")"
  expect 200 GET /connectors/cp-postgres/tasks
  [[ $(field 0.id.connector) == cp-postgres && $(field 0.id.task) == 0 && $(field 0.config.connection.dsn) == '****' ]] \
    || fail "GET .../tasks: $(cat "$response")"
  expect 200 GET /connectors/cp-postgres/tasks/0/status
  [[ $(field id) == 0 && $(field state) == RUNNING ]] || fail "GET .../tasks/0/status: $(cat "$response")"
  expect 200 GET /connectors/cp-postgres/topics
  [[ $(field cp-postgres.topics) == "[\"$topic\",\"$topic.ops.dlq\"]" ]] || fail "GET .../topics: $(cat "$response")"
  expect 200 GET /connectors/cp-source/topics
  [[ $(field cp-source.topics) == "[\"$topic\"]" ]] || fail "GET cp-source/topics: $(cat "$response")"

  expect 200 GET /connector-plugins
  local plugins
  plugins=$(python3 -c 'import json,sys; print(" ".join(sorted(p["class"] + ":" + p["type"] for p in json.load(open(sys.argv[1])))))' "$response")
  [[ $plugins == "sink_postgres:sink sink_validator:sink source_event_simulator:source" ]] \
    || fail "GET /connector-plugins: $plugins"
  cli_expect 0 plugins list --plugin-path "$INGEST_PLUGIN_DIR"
  [[ $(cut -f1 "$work/cli.out" | sort | tr '\n' ' ') == "sink_postgres sink_validator source_event_simulator " ]] \
    || fail "ingest plugins list does not list what GET /connector-plugins does: $(cat "$work/cli.out")"
  expect 200 GET /connector-plugins/sink_postgres/config
  python3 -c 'import json,sys; keys={k["name"]: k for k in json.load(open(sys.argv[1]))}; sys.exit(not (keys["retry.max"]["group"] == "Plugin" and keys["connection.dsn"]["type"] == "PASSWORD" and keys["errors.restart.max"]["group"] == "Common"))' "$response" \
    || fail "GET /connector-plugins/sink_postgres/config lacks retry.max, connection.dsn or errors.restart.max: $(head -c 400 "$response")"
  expect 200 PUT /connector-plugins/sink_postgres/config/validate \
    "{\"connector.class\": \"sink_postgres\", \"topics\": \"$topic\", \"connection.dsn\": \"$ops_dsn\", \"retry.max\": \"many\", \"no.such.key\": \"1\"}"
  [[ $(field name) == sink_postgres && $(field error_count) -ge 2 ]] || fail "validate found no errors: $(head -c 600 "$response")"
  python3 -c 'import json,sys; c={x["value"]["name"]: x["value"] for x in json.load(open(sys.argv[1]))["configs"]}; sys.exit(not (c["retry.max"]["errors"] and c["no.such.key"]["errors"] and c["connection.dsn"]["value"] == "****"))' "$response" \
    || fail "validate does not name retry.max and no.such.key, or shows the DSN: $(head -c 600 "$response")"
  json get "$connectors/cp-postgres.json" config >"$work/ops-config.json"
  expect 200 PUT /connector-plugins/sink_postgres/config/validate "@$work/ops-config.json"
  [[ $(field error_count) == 0 ]] || fail "validate finds errors in cp-postgres's config: $(head -c 600 "$response")"

  expect 200 GET /admin/loggers
  [[ -n $(field root.level) ]] || fail "GET /admin/loggers has no root: $(cat "$response")"
  expect 200 GET /admin/loggers/worker
  [[ -n $(field level) ]] || fail "GET /admin/loggers/worker: $(cat "$response")"

  expect 200 GET /metrics
  grep -qE "^ingest_sink_records_put_total\{[^}]*connector=\"cp-postgres\"[^}]*\} [1-9]" "$response" \
    || fail "GET /metrics has no records-put series of cp-postgres above 0"
  expect 200 GET /worker/metrics
  (($(json metric "$response" ingest_sink_records_put_total cp-postgres) > 0)) \
    || fail "GET /worker/metrics has no records-put series of cp-postgres above 0"

  cli_expect 0 status --state-dir "$state"
  grep -q "^worker http://$rest" "$work/cli.out" || fail "ingest status names no worker: $(cat "$work/cli.out")"
  local name
  for name in cp-source cp-postgres cp-outage cp-validate-ops cp-validate-outage; do
    grep -qE "^$name +(source|sink) +RUNNING +1/1 running" "$work/cli.out" || fail "ingest status lacks $name RUNNING: $(cat "$work/cli.out")"
  done
  cli_expect 0 status --json --state-dir "$state"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["worker"]["version"] and d["connectors"]["cp-postgres"]["status"]["connector"]["state"] == "RUNNING"))' "$work/cli.out" \
    || fail "ingest status --json: $(head -c 400 "$work/cli.out")"
  cli_expect 0 connectors list --state-dir "$state"
  grep -qE "^cp-postgres +sink +RUNNING +1/1 running" "$work/cli.out" || fail "connectors list: $(cat "$work/cli.out")"
  cli_expect 0 connectors list --json --state-dir "$state"
  [[ $(json get "$work/cli.out" cp-outage.status.connector.state) == RUNNING ]] || fail "connectors list --json: $(head -c 400 "$work/cli.out")"
  cli_expect 0 connectors status cp-postgres --state-dir "$state"
  [[ $(table_cell "$work/cli.out" cp-postgres STATE) == RUNNING && $(table_cell "$work/cli.out" 0 STATE) == RUNNING ]] \
    || fail "connectors status cp-postgres: $(cat "$work/cli.out")"
  cli_expect 0 connectors describe cp-postgres --state-dir "$state"
  grep -qE "^topics +$topic\$" "$work/cli.out" && grep -qE '^connection.dsn +\*\*\*\*$' "$work/cli.out" \
    || fail "connectors describe cp-postgres: $(cat "$work/cli.out")"
  if cli status --help 2>/dev/null | grep -q -- '--watch'; then
    cli_expect 0 status --watch --count 2 --interval 0.2 --json --state-dir "$state"
    (($(grep -c . "$work/cli.out") == 2)) || fail "ingest status --watch --count 2 --json drew: $(head -c 400 "$work/cli.out")"
  else
    echo "note: this build's 'ingest status' has no --watch; not checked"
  fi
  pass "read endpoints (/, health, connectors and expand, config, status, tasks, topics, plugins, validate, loggers, metrics, worker/metrics) and the CLI's status, plugins list, connectors list|status|describe"
}

# ----------------------------------------------------------------------------------------------------
# pause: no progress while paused, though records keep arriving (the topic grows, so the sink's lag
# grows) over several status polls; resume: progress again.
scenario_pause_resume() {
  require_source_producing "${FUNCNAME[0]#scenario_}"
  cli_expect 0 connectors pause cp-postgres --state-dir "$state"
  wait_for 30 "cp-postgres and its task to be PAUSED" connector_is cp-postgres PAUSED
  hold_still cp-postgres PAUSED
  cli_expect 0 connectors resume cp-postgres --state-dir "$state"
  wait_for 30 "cp-postgres to run after resume" connector_is cp-postgres RUNNING
  wait_for 60 "cp-postgres to commit records after resume" committed_above "$ops_dsn" cp-postgres "$held"
  pass "pause: no progress over $polls status polls while the topic grew by $grew records; resume: progress"
}

# hold_still NAME STATE: while the sink NAME (of the ops database) is in STATE (every poll checks
# it), the records it committed and put stay the same while the topic grows by at least 1000 records.
# Sets held, polls and grew.
hold_still() {
  local name=$1 want=$2
  held=$(committed "$ops_dsn" "$name")
  local put end
  put=$(metric ingest_sink_records_put_total "$name")
  end=$(topic_end)
  ((held > 0 && put > 0 && end > 0)) || fail "nothing to compare: committed $held, put $put, topic end $end"
  polls=0
  still() {
    status_of "$name" || fail "no status of $name"
    [[ $(field connector.state) == "$want" ]] || fail "$name left $want: $(cat "$response")"
    local now
    now=$(committed "$ops_dsn" "$name")
    ((now == held)) || fail "$name committed $((now - held)) records while $want"
    [[ $(metric ingest_sink_records_put_total "$name") == "$put" ]] || fail "$name put records while $want"
    # The same registry as JSON (GET /worker/metrics) says the same, since nothing moves.
    call GET /worker/metrics
    [[ $code == 200 && $(json metric "$response" ingest_sink_records_put_total "$name") == "$put" ]] \
      || fail "GET /worker/metrics does not say $name put $put records, as GET /metrics does"
    ((++polls >= 5)) && topic_grew_to $((end + 1000))
  }
  wait_for 60 "the topic to grow by 1000 records while $name is $want" still
  grew=$(($(topic_end) - end))
}

# ----------------------------------------------------------------------------------------------------
# stop: tasks gone, config kept; start (and resume) after stop: RUNNING and progress.
scenario_stop_start() {
  require_source_producing "${FUNCNAME[0]#scenario_}"
  local starts
  starts=$(task_starts cp-postgres)
  cli_expect 0 connectors stop cp-postgres --state-dir "$state"
  stopped_without_tasks() { status_of cp-postgres && [[ $(field connector.state) == STOPPED && $(field tasks.#) == 0 ]]; }
  wait_for 30 "cp-postgres to be STOPPED without tasks" stopped_without_tasks
  expect 200 GET /connectors/cp-postgres/config
  [[ $(field topics) == "$topic" && $(field plugin) == sink_postgres ]] || fail "a stopped connector lost its config: $(cat "$response")"
  expect 200 GET /connectors/cp-postgres/tasks
  [[ $(field '#') == 0 ]] || fail "a stopped connector lists tasks: $(cat "$response")"
  cli_expect 0 connectors list --state-dir "$state"
  grep -qE '^cp-postgres +sink +STOPPED +0/0 running' "$work/cli.out" || fail "connectors list: $(cat "$work/cli.out")"
  cli_expect 0 connectors describe cp-postgres --state-dir "$state"
  grep -qE "^topics +$topic\$" "$work/cli.out" || fail "describe of a stopped connector: $(cat "$work/cli.out")"
  hold_still cp-postgres STOPPED
  cli_expect 0 connectors start cp-postgres --state-dir "$state"
  wait_for 60 "cp-postgres to run after start" connector_is cp-postgres RUNNING
  wait_for 60 "cp-postgres to commit records after start" committed_above "$ops_dsn" cp-postgres "$held"
  (($(task_starts cp-postgres) == starts + 1)) || fail "start did not start cp-postgres's task once ($starts → $(task_starts cp-postgres))"
  pass "stop (CLI): no tasks, config kept, no progress while the topic grew by $grew; start (CLI): RUNNING, progress"

  expect 202 PUT /connectors/cp-postgres/stop
  wait_for 30 "cp-postgres to be STOPPED without tasks" stopped_without_tasks
  local before
  before=$(committed "$ops_dsn" cp-postgres)
  cli_expect 0 connectors resume cp-postgres --state-dir "$state"
  wait_for 60 "cp-postgres to run after resume" connector_is cp-postgres RUNNING
  wait_for 60 "cp-postgres to commit records after resume" committed_above "$ops_dsn" cp-postgres "$before"
  pass "stop (PUT .../stop, 202) then resume (CLI): RUNNING, progress"
}

# ----------------------------------------------------------------------------------------------------
# A forced failure (a trigger that raises on every write: a permanent error) leaves cp-postgres's
# task FAILED (errors.restart.max=0: no automatic restart); once the cause is gone, `restart
# --include-tasks` runs it again. Then the task restart endpoint and restart's other forms.
scenario_forced_failure_restart() {
  require_source_producing "${FUNCNAME[0]#scenario_}"
  local restarts from
  restarts=$(task_restarts cp-postgres)
  from=$(log_lines)
  # (A CHECK constraint would not do: sink_postgres dead-letters the records it refuses and goes on.)
  psql -X -q -v ON_ERROR_STOP=1 -d "$ops_dsn" \
    -c 'CREATE OR REPLACE FUNCTION public.cp_forced_failure() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION '"'"'cp_forced_failure'"'"'; END$$' \
    -c 'CREATE TRIGGER cp_forced_failure BEFORE INSERT OR UPDATE OR DELETE ON public.events FOR EACH ROW EXECUTE FUNCTION public.cp_forced_failure()' >/dev/null
  wait_for 60 "cp-postgres's task to be FAILED" task_is cp-postgres FAILED
  [[ $(field tasks.0.trace) == *cp_forced_failure* ]] || fail "the FAILED task's trace does not name the cause: $(cat "$response")"
  [[ $(field tasks.0.restart_scheduled) != true ]] || fail "errors.restart.max=0, yet a restart is scheduled: $(cat "$response")"
  expect 200 GET /connectors/cp-postgres/tasks/0/status
  [[ $(field state) == FAILED && $(field trace) == *cp_forced_failure* ]] || fail "GET .../tasks/0/status: $(cat "$response")"
  cli_expect 0 connectors status cp-postgres --state-dir "$state"
  [[ $(table_cell "$work/cli.out" 0 STATE) == FAILED ]] && grep -q cp_forced_failure "$work/cli.out" \
    || fail "connectors status shows no FAILED task with its trace: $(cat "$work/cli.out")"
  local failed_at
  failed_at=$(committed "$ops_dsn" cp-postgres)
  psql -X -q -v ON_ERROR_STOP=1 -d "$ops_dsn" -c 'DROP TRIGGER cp_forced_failure ON public.events' >/dev/null
  # Still FAILED: nothing restarts it but an operator (checked once the cause is gone, so a restart
  # now would run).
  task_is cp-postgres FAILED || fail "cp-postgres's task left FAILED by itself: $(cat "$response")"
  ! logged_since "$from" '\[cp-postgres-0\] (automatic restart|restarting the failed task)' \
    || fail "cp-postgres's task was restarted automatically although errors.restart.max=0"

  cli_expect 0 connectors restart cp-postgres --include-tasks --state-dir "$state"
  wait_for 60 "cp-postgres's task to run after restart --include-tasks" connector_is cp-postgres RUNNING
  (($(field tasks.0.restarts) == restarts + 1)) || fail "the restart is not counted: $(cat "$response")"
  wait_for 60 "cp-postgres to commit records after the restart" committed_above "$ops_dsn" cp-postgres "$failed_at"
  pass "forced failure: FAILED with its trace, no automatic restart (errors.restart.max=0); restart --include-tasks (CLI): RUNNING, progress"

  local starts connector_restarts_before
  starts=$(task_starts cp-postgres)
  expect 204 POST /connectors/cp-postgres/tasks/0/restart
  restarted_once_more() { connector_is cp-postgres RUNNING && (($(field tasks.0.restarts) == restarts + 2)); }
  wait_for 60 "cp-postgres's task to run after POST .../tasks/0/restart" restarted_once_more
  (($(task_starts cp-postgres) == starts + 1)) || fail "POST .../tasks/0/restart did not start the task once"

  connector_restarts_before=$(connector_restarts cp-postgres)
  expect 204 POST /connectors/cp-postgres/restart
  (($(connector_restarts cp-postgres) == connector_restarts_before + 1)) || fail "POST .../restart is not counted: $(cat "$response")"
  expect 202 POST '/connectors/cp-postgres/restart?includeTasks=true&onlyFailed=true'
  [[ $(field name) == cp-postgres && $(field tasks.0.state) == RUNNING ]] || fail "restart?onlyFailed answered: $(cat "$response")"
  (($(task_restarts cp-postgres) == restarts + 2 && $(task_starts cp-postgres) == starts + 1)) \
    || fail "restart?includeTasks=true&onlyFailed=true restarted a task that had not failed"
  pass "POST .../tasks/0/restart (204) restarts the task; POST .../restart (204) the connector only; onlyFailed (202) spares running tasks"
}

# ----------------------------------------------------------------------------------------------------
# cp-outage's database becomes unreachable (no new connections, its sessions ended; the shared
# PostgreSQL server keeps running): its task shows FAILED with the trace, is restarted
# automatically with exponential backoff, counts its restarts (REST and `connectors status`), and
# runs again once the database is back, losing nothing (its validator PASSes at the end).
scenario_database_outage() {
  require_source_producing "${FUNCNAME[0]#scenario_}"
  local name=cp-outage before from
  before=$(committed "$outage_dsn" "$name")
  ((before > 0)) || fail "$name committed nothing before the outage"
  from=$(log_lines)
  set_database_connections false
  psql -X -q -v ON_ERROR_STOP=1 -d "$server_dsn" -v db="$outage_db" \
    <<<"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid()" >/dev/null
  # Past retry.max (2) its write fails the task, with the database's refusal as the trace. (A
  # restart may already have failed again at start() when the status is read: the log tells which
  # failure came first.)
  failed_with_restart() { task_is "$name" FAILED && [[ $(field tasks.0.restart_scheduled) == true ]]; }
  wait_for 60 "$name's task to be FAILED once its writes exhausted their retries" failed_with_restart
  [[ $(field tasks.0.trace) == *'not currently accepting connections'* ]] \
    || fail "the FAILED task's trace does not say why: $(cat "$response")"
  tail -n "+$((from + 1))" "$log" | grep -m1 "\[$name-0\] task failed: " | grep -q 'still failing after 2 retries' \
    || fail "$name's task did not first fail for its exhausted retries: $(tail -n "+$((from + 1))" "$log" | grep -m1 "\[$name-0\] task failed")"
  expect 200 GET "/connectors/$name/tasks/0/status"
  [[ $(field state) == FAILED && $(field trace) == *'not currently accepting connections'* ]] \
    || fail "GET .../tasks/0/status of the failed task: $(cat "$response")"
  three_automatic_restarts() { (($(count_since "$from" "\[$name-0\] restarting the failed task automatically") >= 3)); }
  wait_for 60 "3 automatic restarts of $name's task" three_automatic_restarts
  json restarts "$log" "$name-0" "$from" 500 4000 3 || fail "the automatic restarts did not follow their backoff (above)"
  cli_expect 0 connectors status "$name" --state-dir "$state"
  local shown
  shown=$(table_cell "$work/cli.out" 0 RESTARTS)
  [[ $shown =~ ^[0-9]+$ ]] && ((shown >= 3)) || fail "connectors status shows no restart count of 3 or more: $(cat "$work/cli.out")"

  set_database_connections true
  running_again() { connector_is "$name" RUNNING && [[ $(field tasks.0.restart_scheduled) != true ]]; }
  wait_for 60 "$name's task to run again once the database is back" running_again
  local restarts
  restarts=$(field tasks.0.restarts)
  ((restarts >= shown)) || fail "$name's restart count went down: $shown → $restarts"
  wait_for 60 "$name to commit records again" committed_above "$outage_dsn" "$name" "$before"
  cli_expect 0 connectors status "$name" --state-dir "$state"
  [[ $(table_cell "$work/cli.out" 0 STATE) == RUNNING && $(table_cell "$work/cli.out" 0 RESTARTS) == "$restarts" ]] \
    || fail "connectors status $name does not show RUNNING with $restarts restarts: $(cat "$work/cli.out")"
  (($(metric ingest_task_restarts_total "$name") >= restarts)) || fail "ingest_task_restarts_total of $name is below $restarts"
  pass "database outage: FAILED with its trace, $restarts restarts with backoff (connectors status shows them), RUNNING and committing once the database is back"
}

# ----------------------------------------------------------------------------------------------------
# Refused requests (no or a wrong token: 401; a body over 1 MiB: 413; an unknown connector: 404;
# bad JSON or a bad config: 400) change nothing; the same requests with the token do.
scenario_refused_requests() {
  local before from restarts connector_restarts_before level
  before=$(snapshot)
  from=$(log_lines)
  restarts=$(task_restarts cp-postgres)
  connector_restarts_before=$(connector_restarts cp-postgres)
  expect 200 GET /admin/loggers/root
  level=$(field level)
  json derive "$CONNECTORS_DIR/user-events-simulator.json" "$work/refused.json" cp-refused topic="$topic-refused"
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]; c["batch.max.ms"]="300"; print(json.dumps(c))' \
    "$connectors/cp-postgres.json" >"$work/ops-changed.json"

  local auth
  for auth in --no-token --wrong-token; do
    expect 401 "$auth" PUT /connectors/cp-postgres/pause
    expect 401 "$auth" PUT /connectors/cp-postgres/stop
    expect 401 "$auth" PUT /connectors/cp-postgres/resume
    expect 401 "$auth" POST /connectors "@$work/refused.json"
    expect 401 "$auth" PUT /connectors/cp-postgres/config "@$work/ops-changed.json"
    expect 401 "$auth" PATCH /connectors/cp-postgres/config '{"batch.max.ms": "300"}'
    expect 401 "$auth" DELETE /connectors/cp-postgres
    expect 401 "$auth" POST '/connectors/cp-postgres/restart?includeTasks=true'
    expect 401 "$auth" POST /connectors/cp-postgres/tasks/0/restart
    expect 401 "$auth" PUT /admin/loggers/root '{"level": "TRACE"}'
  done
  printf wrong >"$work/wrong-token"
  cli_expect 4 connectors pause cp-postgres --state-dir "$state" --token-file "$work/wrong-token"

  python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]; c["pad"]="x"*(1100*1024); print(json.dumps(c))' \
    "$connectors/cp-postgres.json" >"$work/big-config.json"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["config"]["pad"]="x"*(2048*1024); print(json.dumps(d))' \
    "$work/refused.json" >"$work/big-create.json"
  expect 413 PUT /connectors/cp-postgres/config "@$work/big-config.json"
  expect 413 POST /connectors "@$work/big-create.json"
  expect 413 PATCH /connectors/cp-postgres/config "@$work/big-config.json"

  local path
  for path in /connectors/cp-nope /connectors/cp-nope/status /connectors/cp-nope/config /connectors/cp-nope/tasks \
    /connectors/cp-nope/topics /connectors/cp-nope/tasks/0/status /connectors/cp-postgres/tasks/7/status \
    /connector-plugins/no_such_plugin/config; do
    expect 404 GET "$path"
  done
  expect 404 PUT /connectors/cp-nope/pause
  expect 404 PUT /connectors/cp-nope/resume
  expect 404 PUT /connectors/cp-nope/stop
  expect 404 POST /connectors/cp-nope/restart
  expect 404 POST /connectors/cp-nope/tasks/0/restart
  expect 404 POST /connectors/cp-postgres/tasks/7/restart
  expect 404 PATCH /connectors/cp-nope/config '{"rate": "1"}'
  expect 404 DELETE /connectors/cp-nope
  [[ $(field message) == *cp-nope* ]] || fail "a 404 does not name the connector: $(cat "$response")"
  expect 405 DELETE /connectors/cp-postgres/status
  expect 405 POST /connectors/cp-postgres/pause
  cli_expect 5 connectors status cp-nope --state-dir "$state"
  cli_expect 5 connectors stop cp-nope --state-dir "$state"

  expect 400 POST /connectors '{"name": "cp-refused", "config": {"plugin": "source_event_simulator",'
  [[ $(field message) == *line* ]] || fail "a 400 for bad JSON does not say where: $(cat "$response")"
  expect 400 PUT /connectors/cp-postgres/config '{"plugin": "sink_postgres",, "topics": "x"}'
  expect 400 PUT /connectors/cp-postgres/config '{"plugin": "sink_postgres"} trailing'
  expect 400 PATCH /connectors/cp-postgres/config '[1, 2]'
  expect 400 POST /connectors "{\"name\": \"cp-refused\", \"config\": {\"plugin\": \"source_event_simulator\", \"topic\": \"$topic-refused\", \"rate\": \"fast\", \"no.such.key\": \"1\"}}"
  [[ $(field message) == *rate* && $(field message) == *no.such.key* ]] || fail "a 400 for a bad config does not name every bad key: $(cat "$response")"
  expect 400 PUT /connectors/cp-postgres/config '{"plugin": "sink_postgres", "topics": "x", "connection.dsn": "x", "retry.max": "-5"}'
  expect 400 POST '/connectors/cp-postgres/restart?includeTasks=maybe'
  expect 400 GET '/connectors?expand=everything'
  expect 400 PUT /admin/loggers/root '{"level": "LOUD"}'

  [[ $(snapshot) == "$before" ]] || fail "a refused request changed connectors: $(diff <(echo "$before") <(snapshot) | head -20)"
  gone cp-refused || fail "a refused create made cp-refused"
  [[ ! -e $connectors/cp-refused.json ]] || fail "a refused create wrote cp-refused.json"
  ! logged_since "$from" 'connector cp-postgres|restarting task cp-postgres|\[config\]' \
    || fail "a refused request reached the herder or the watcher: $(tail -n "+$((from + 1))" "$log" | grep -E 'connector cp-postgres|restarting task|\[config\]' | head -5)"
  (($(task_restarts cp-postgres) == restarts && $(connector_restarts cp-postgres) == connector_restarts_before)) \
    || fail "a refused restart restarted cp-postgres"
  expect 200 GET /admin/loggers/root
  [[ $(field level) == "$level" ]] || fail "a refused request changed the root log level to $(field level)"
  pass "refused requests: 401 (no token, wrong token, CLI exit 4), 413, 404 (CLI exit 5), 405, 400; nothing changed"

  # The token is what was missing: the same requests with it (HTTP Basic, then Bearer) work.
  expect 202 --basic PUT /connectors/cp-postgres/pause
  wait_for 30 "cp-postgres to be PAUSED" connector_is cp-postgres PAUSED
  logged_since "$from" 'connector cp-postgres' || fail "the pause is not in the log: the log check above proves nothing"
  expect 202 --token PUT /connectors/cp-postgres/resume
  wait_for 30 "cp-postgres to run again" connector_is cp-postgres RUNNING
  expect 200 --basic PUT /admin/loggers/rest '{"level": "debug"}'
  [[ $(field '#') -ge 1 ]] || fail "PUT /admin/loggers/rest answered: $(cat "$response")"
  expect 200 GET /admin/loggers/rest
  [[ $(field level) == DEBUG ]] || fail "the rest logger is $(field level), not DEBUG"
  expect 200 PUT /admin/loggers/rest '{"level": "INFO"}'
  pass "with the token (Basic or Bearer): pause and resume (202), PUT /admin/loggers/rest (200)"
}

# ----------------------------------------------------------------------------------------------------
# connectors.d/ hot reload: an added file starts its connector; a changed file restarts only that
# connector; an invalid version is reported while the old one keeps running; a removed file stops
# and removes its connector.
scenario_hot_reload() {
  local others=(cp-source cp-postgres cp-outage cp-validate-ops cp-validate-outage) name
  json derive "$CONNECTORS_DIR/user-events-simulator.json" "$work/extra.json" cp-extra \
    topic="$topic-extra" topic.partitions=1 events=0 rate=50 audit.log="$work/extra-audit.jsonl" progress.interval.ms=0
  write_connector cp-extra.json "$work/extra.json"
  wait_for 60 "the added cp-extra.json to start cp-extra" connector_is cp-extra RUNNING
  (($(task_starts cp-extra) == 1)) || fail "cp-extra's task started $(task_starts cp-extra) times"

  declare -A starts_before restarts_before
  for name in "${others[@]}"; do
    starts_before[$name]=$(task_starts "$name")
    restarts_before[$name]=$(task_restarts "$name")
    ((${starts_before[$name]} >= 1)) || fail "no start of $name's task found in the log: the comparison below would prove nothing"
  done
  json derive "$work/extra.json" "$work/extra.json" cp-extra rate=80
  write_connector cp-extra.json "$work/extra.json"
  reconfigured() {
    call GET /connectors/cp-extra/config && [[ $(field rate) == 80 ]] && (($(task_starts cp-extra) == 2)) &&
      connector_is cp-extra RUNNING
  }
  wait_for 60 "the changed cp-extra.json to restart cp-extra with rate 80" reconfigured
  for name in "${others[@]}"; do
    (($(task_starts "$name") == ${starts_before[$name]})) || fail "changing cp-extra.json restarted $name's task"
    (($(task_restarts "$name") == ${restarts_before[$name]})) || fail "changing cp-extra.json counted a restart of $name"
  done
  pass "hot reload: an added file starts its connector; a changed file restarts it alone (${#others[@]} others untouched)"

  local from
  from=$(log_lines)
  json derive "$work/extra.json" "$work/extra-invalid.json" cp-extra rate=fast
  write_connector cp-extra.json "$work/extra-invalid.json"
  config_error_shown() { status_of cp-extra && [[ $(field connector.config_error) == *rate* ]]; }
  wait_for 60 "the invalid cp-extra.json to be reported on cp-extra's status" config_error_shown
  [[ $(field tasks.0.state) == RUNNING ]] || fail "cp-extra stopped running its old version: $(cat "$response")"
  expect 200 GET /connectors/cp-extra/config
  [[ $(field rate) == 80 ]] || fail "cp-extra's config is not the running version any more: $(cat "$response")"
  (($(task_starts cp-extra) == 2)) || fail "the invalid version restarted cp-extra"
  logged_since "$from" "cp-extra.json was not applied; connector cp-extra keeps running its previous config" \
    || fail "the invalid version is not in the log"
  cli_expect 0 connectors status cp-extra --json --state-dir "$state"
  [[ $(json get "$work/cli.out" connector.config_error) == *rate* ]] || fail "connectors status --json lacks the config error"
  cli_expect 0 connectors status cp-extra --state-dir "$state"
  grep -q "config error" "$work/cli.out" && grep -q "rate" "$work/cli.out" \
    || fail "connectors status (the table) does not show cp-extra's config error: $(cat "$work/cli.out")"
  pass "hot reload: an invalid version is reported (REST status config_error, connectors status, log) while the old one keeps running"

  rm "$connectors/cp-extra.json"
  wait_for 60 "the removed cp-extra.json to remove cp-extra" gone cp-extra
  expect 200 GET /connectors
  ! grep -q '"cp-extra"' "$response" || fail "GET /connectors still lists cp-extra"
  logged_since "$from" '\[cp-extra-0\] source task stopped' || fail "cp-extra's task did not stop"
  pass "hot reload: a removed file stops and removes its connector"
}

# ----------------------------------------------------------------------------------------------------
# The API's create, replace, patch and delete (they write connectors.d/ and the watcher applies
# them), through the CLI (create -f, update, delete) and REST (POST, PUT, PATCH, DELETE).
scenario_create_update_delete() {
  json derive "$CONNECTORS_DIR/user-events-simulator.json" "$work/made.json" cp-made \
    topic="$topic-made" topic.partitions=1 events=0 rate=50 audit.log="$work/made-audit.jsonl" progress.interval.ms=0
  cli_expect 0 connectors create -f "$work/made.json" --state-dir "$state"
  grep -q '^created connector cp-made' "$work/cli.out" || fail "create printed: $(cat "$work/cli.out")"
  [[ -s $connectors/cp-made.json ]] || fail "create wrote no connectors/cp-made.json"
  wait_for 60 "cp-made to run" connector_is cp-made RUNNING
  expect 409 POST /connectors "@$work/made.json"

  json derive "$work/made.json" "$work/made-update.json" cp-made rate=60
  cli_expect 0 connectors update cp-made -f "$work/made-update.json" --state-dir "$state"
  runs_rate() { call GET /connectors/cp-made/config && [[ $(field rate) == "$1" ]] && connector_is cp-made RUNNING; }
  wait_for 60 "cp-made to run with rate 60 after update" runs_rate 60
  [[ $(json get "$connectors/cp-made.json" config.rate) == 60 ]] || fail "update did not write connectors/cp-made.json"

  expect 200 PATCH /connectors/cp-made/config '{"rate": "70", "progress.interval.ms": null}'
  wait_for 60 "cp-made to run with rate 70 after PATCH" runs_rate 70
  ! json get "$connectors/cp-made.json" config.progress.interval.ms >/dev/null || fail "PATCH with null kept the key"
  json get "$connectors/cp-made.json" config >"$work/made-put.json"
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["rate"]="75"; json.dump(c, open(sys.argv[1], "w"))' "$work/made-put.json"
  expect 200 PUT /connectors/cp-made/config "@$work/made-put.json"
  wait_for 60 "cp-made to run with rate 75 after PUT" runs_rate 75

  cli_expect 0 connectors delete cp-made --state-dir "$state"
  wait_for 60 "cp-made to be gone after delete" gone cp-made
  [[ ! -e $connectors/cp-made.json ]] || fail "delete left connectors/cp-made.json"
  pass "CLI create -f (file written, RUNNING; a second POST 409), update, PATCH (200), PUT (200), CLI delete (404 after, file gone)"

  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["rate"]="40"; print(json.dumps(c))' "$work/made-put.json" >"$work/put-new.json"
  expect 201 PUT /connectors/cp-put/config "@$work/put-new.json"
  [[ -s $connectors/cp-put.json ]] || fail "PUT of a new connector wrote no connectors/cp-put.json"
  wait_for 60 "cp-put to run" connector_is cp-put RUNNING
  expect 204 DELETE /connectors/cp-put
  wait_for 60 "cp-put to be gone after DELETE" gone cp-put
  [[ ! -e $connectors/cp-put.json ]] || fail "DELETE left connectors/cp-put.json"

  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["name"]="cp-posted"; d["initial_state"]="PAUSED"; print(json.dumps(d))' \
    "$work/made.json" >"$work/posted.json"
  expect 201 POST /connectors "@$work/posted.json"
  [[ $(field name) == cp-posted ]] || fail "POST /connectors answered: $(cat "$response")"
  wait_for 60 "cp-posted to be created PAUSED" connector_is cp-posted PAUSED
  expect 204 DELETE /connectors/cp-posted
  wait_for 60 "cp-posted to be gone" gone cp-posted
  [[ ! -e $connectors/cp-posted.json ]] || fail "DELETE left connectors/cp-posted.json"
  pass "PUT .../config of a new connector (201), POST with initial_state PAUSED (201), DELETE (204, 404 after, file gone)"
}

# ----------------------------------------------------------------------------------------------------
# Both validators PASS: through everything above, each sink's table equals the truth.
verdicts() {
  local which name
  for which in ops outage; do
    name=cp-validate-$which
    has_verdict() { status_of "$1" && field tasks.0.verdict.passed >/dev/null; }
    wait_for 180 "$name's verdict" has_verdict "$name"
    [[ $(field tasks.0.verdict.passed) == true ]] \
      || { show_log "$log" 40; fail "$name: $(field tasks.0.verdict.summary); report $work/$which-report.json"; }
    json get "$work/$which-report.json" verdict counts.records counts.expected counts.present >"$work/verdict.txt" \
      || fail "no report from $name"
    mapfile -t report <"$work/verdict.txt"
    [[ ${report[0]} == PASS && ${report[1]} == "$CP_EVENTS" && ${report[2]} == "${report[3]}" ]] \
      || fail "$name's report: verdict ${report[0]}, ${report[1]} records of $CP_EVENTS, ${report[3]} of ${report[2]} rows"
    cli_expect 0 connectors status "$name" --state-dir "$state"
    grep -q 'PASS: ' "$work/cli.out" || fail "connectors status $name shows no PASS: $(cat "$work/cli.out")"
  done
  pass "both validators PASS: $CP_EVENTS records, every expected row present in each sink's table"
}

stop_worker() {
  kill -TERM "$runner"
  wait_until 60 "the worker to exit" not pid_alive "$runner" || fail "the worker did not exit after SIGTERM"
  local status=0
  wait "$runner" || status=$?
  assert_no_crash "$status" "$log"
  ((status == 0)) || { show_log "$log"; fail "the worker exited $status after SIGTERM"; }
  [[ ! -e $state/rest ]] || fail "the worker left $state/rest behind after a clean stop"
}

setup
for scenario in "${@:-${SCENARIOS[@]}}"; do
  declare -F "scenario_$scenario" >/dev/null || fail "no scenario '$scenario' (known: ${SCENARIOS[*]})"
  echo "--- $scenario ($((SECONDS - started_at)) s)"
  "scenario_$scenario"
done
verdicts
stop_worker
pass "control plane: ${*:-${SCENARIOS[*]}} in $((SECONDS - started_at)) s"
