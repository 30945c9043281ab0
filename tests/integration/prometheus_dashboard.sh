#!/usr/bin/env bash
# A real Prometheus server (Debian's prometheus, on loopback) scrapes a worker running the shipped
# pipeline (simulator → embedded broker → sink_postgres + validator) and loads the shipped alert rules;
# then, through its query API: the sink's records-put series holds exactly the records the simulator
# produced, as the worker's own /metrics says, and every PromQL expression of the Grafana dashboard
# (ops/grafana/ingest.json) returns data, so the dashboard cannot point at series that do not exist.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export INGEST_EVENTS=20000
fresh_work_dir
require_runner
command -v prometheus >/dev/null || fail "prometheus is not installed (package prometheus)"

INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" it_prometheus_dashboard)
export INGEST_PG_DSN
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
log=$INGEST_TEST_WORK/ingest.log
"$INGEST_BIN" run --connectors "$CONNECTORS_DIR" --state-dir "$INGEST_STATE_DIR" --rest-listen 127.0.0.1:0 \
  >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")
wait_until 60 "the worker's REST address" test -s "$INGEST_STATE_DIR/rest" || { show_log "$log"; fail "no REST address"; }
worker=$(<"$INGEST_STATE_DIR/rest")

prometheus_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$INGEST_ROOT/ops/prometheus/alerts.yml" "$INGEST_TEST_WORK/"
cat >"$INGEST_TEST_WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [alerts.yml]
scrape_configs:
  - job_name: ingest
    static_configs: [{targets: ["$worker"]}]
YAML
prometheus --config.file="$INGEST_TEST_WORK/prometheus.yml" --storage.tsdb.path="$INGEST_TEST_WORK/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" >"$INGEST_TEST_WORK/prometheus.log" 2>&1 </dev/null &
test_pids+=("$!")

python3 "$(dirname "${BASH_SOURCE[0]}")/check_dashboard.py" "http://127.0.0.1:$prometheus_port" "http://$worker" \
  "$INGEST_ROOT/ops/grafana/ingest.json" "$INGEST_EVENTS" \
  || { show_log "$log" 20; show_log "$INGEST_TEST_WORK/prometheus.log" 20; fail "the dashboard check failed"; }

kill -TERM "$runner"
wait_until 60 "the worker to exit" not pid_alive "$runner" || fail "the worker did not stop"
pass "Prometheus scraped the worker; the records-put series and every dashboard expression have data"
