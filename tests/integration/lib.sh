# shellcheck shell=bash
# Shared by the integration test scripts; CTest passes INGEST_BIN, INGEST_PLUGIN_DIR,
# INGEST_TEST_SERVICES and INGEST_TEST_WORK (see CMakeLists.txt).
set -euo pipefail
# shellcheck source=../../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

: "${INGEST_BIN:?set by ctest}" "${INGEST_PLUGIN_DIR:?set by ctest}"
: "${INGEST_TEST_SERVICES:?set by ctest}" "${INGEST_TEST_WORK:?set by ctest}"
readonly CONNECTORS_DIR=$INGEST_ROOT/connectors.d
# Tests run many workers at once: each REST API on a free port (it writes its address to
# <state-dir>/rest), never on the default 8083.
export INGEST_REST_LISTEN=${INGEST_REST_LISTEN:-127.0.0.1:0}
readonly TOPIC=user-events

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

# Each test works in its own empty directory, the runner's working directory too.
fresh_work_dir() {
  rm -rf "$INGEST_TEST_WORK"
  mkdir -p "$INGEST_TEST_WORK"
  cd "$INGEST_TEST_WORK"
}

require_runner() {
  [[ -x $INGEST_BIN ]] || fail "the runner is not built: $INGEST_BIN"
  compgen -G "$INGEST_PLUGIN_DIR/*.so" >/dev/null || fail "no plugins built in $INGEST_PLUGIN_DIR"
}

# Background processes a test started; killed on exit whatever happens.
test_pids=()
kill_test_processes() {
  local pid
  for pid in "${test_pids[@]}"; do
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
  done
  return 0
}
trap kill_test_processes EXIT

# A crash is a signal exit or a crash message; a clean failure is neither.
assert_no_crash() {
  local status=$1 log=$2
  ((status < 128)) || fail "the runner died from signal $((status - 128)) (exit $status); log: $log"
  ! grep -qE 'Segmentation fault|terminate called|core dumped|AddressSanitizer|runtime error:' "$log" \
    || fail "crash signature in $log: $(grep -m1 -E 'Segmentation fault|terminate called|core dumped|AddressSanitizer|runtime error:' "$log")"
}

show_log() {
  echo "----- $1 (last ${2:-40} lines)" >&2
  tail -n "${2:-40}" "$1" >&2
  echo "-----" >&2
}

service_file() {
  local file=$INGEST_TEST_SERVICES/$1
  [[ -s $file ]] || fail "$file is missing: is the CTest fixture for $(dirname "$1") running?"
  cat "$file"
}

# kcat_lists_topic BOOTSTRAP: the broker's metadata names $TOPIC with its partitions.
kcat_lists_topic() { kcat -L -b "$1" -t "$TOPIC" -m 3 2>/dev/null | grep -qE "topic \"$TOPIC\" with [0-9]+ partitions"; }

# shipped_connector TEMPLATE DIR NAME KEY=VALUE...: connectors.d/TEMPLATE.json written to DIR/NAME.json
# as connector NAME with each KEY set (tests/integration/scenarios/connector.py).
shipped_connector() {
  python3 "$INGEST_ROOT/tests/integration/scenarios/connector.py" "$CONNECTORS_DIR/$1.json" "$2/$3.json" "$3" "${@:4}"
}
