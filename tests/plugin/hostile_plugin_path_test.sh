#!/usr/bin/env bash
# Bad files on the plugin path while `ingest run` runs a good connector: a truncated copy of a real
# plugin, a zero-byte .so, a text file named .so, a library whose constructor calls exit(3), one
# that segfaults at load and one that segfaults when unloaded. The worker starts, keeps running,
# lists the good plugins (REST and `ingest plugins list`) and reports every bad file by name with
# its reason; `ingest plugin check BAD.so` exits 1 with that reason instead of crashing; a second
# file declaring a plugin's name makes the name ambiguous, and a connector naming it is refused
# with both files named.
#
#   hostile_plugin_path_test.sh INGEST FIXTURE_DIR HOSTILE_FIXTURE_DIR WORK_DIR
set -euo pipefail
ingest=$1 fixtures=$2 hostile=$3 work=$4
rm -rf "$work" && mkdir -p "$work/plugins" "$work/connectors" "$work/ambiguous"
runner=
trap '[[ -n $runner ]] && kill -KILL "$runner" 2>/dev/null; true' EXIT

fail() { echo "FAIL: $*" >&2; [[ -f ${log:-} ]] && tail -n 40 "$log" >&2; exit 1; }
pass() { echo "PASS: $*"; }
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do ((SECONDS < deadline)) || fail "timed out waiting for $what"; sleep 0.1; done
}

plugins=$work/plugins
cp "$fixtures/fixture_counting_source.so" "$fixtures/fixture_recording_sink.so" "$plugins/"
size=$(stat -c %s "$fixtures/fixture_counting_source.so")
head -c $((size / 2)) "$fixtures/fixture_counting_source.so" >"$plugins/truncated.so"
: >"$plugins/empty.so"
echo "this is not a shared object" >"$plugins/text.so"
cp "$hostile/fixture_exit_at_load.so" "$hostile/fixture_segv_at_load.so" "$hostile/fixture_segv_at_unload.so" "$plugins/"
# file name → a part of the reason it must be refused with
declare -A bad=(
  [truncated.so]="truncated or corrupt"
  [empty.so]="empty file (0 bytes)"
  [text.so]="not an ELF file"
  [fixture_exit_at_load.so]="ended the probing process with exit status 3"
  [fixture_segv_at_load.so]="killed the probing process with signal 11 (SIGSEGV"
  [fixture_segv_at_unload.so]="unloading it (dlclose) killed the probing process"
)

# 1. `ingest plugin check`: each bad file refused with its reason (exit 1), the good one accepted.
for file in "${!bad[@]}"; do
  status=0
  "$ingest" plugin check "$plugins/$file" >"$work/out" 2>"$work/err" || status=$?
  ((status == 1)) || fail "plugin check $file exited $status, expected 1: $(cat "$work/err")"
  grep -qF "plugin $plugins/$file refused: " "$work/err" || fail "plugin check $file does not name it: $(cat "$work/err")"
  grep -qF "${bad[$file]}" "$work/err" || fail "plugin check $file: expected '${bad[$file]}', got: $(cat "$work/err")"
  [[ ! -s $work/out ]] || fail "plugin check $file wrote to stdout: $(cat "$work/out")"
done
# (One conformance rule only: the suite itself is tested in tests/conformance.)
"$ingest" plugin check "$plugins/fixture_counting_source.so" --rule abi.version >"$work/out" ||
  fail "plugin check of a good plugin failed: $(cat "$work/out")"
grep -q '^ok: fixture_counting_source 1.0.0 (source, 5 config keys, plugin ABI ' "$work/out" ||
  fail "plugin check output: $(cat "$work/out")"
pass "plugin check refuses each bad file with its reason"

# 2. `ingest plugins list`: the good plugins, then one refused line per bad file (exit 1).
status=0
"$ingest" plugins list --plugin-path "$plugins" >"$work/list" 2>"$work/list.err" || status=$?
((status == 1)) || fail "plugins list exited $status, expected 1 (some files refused): $(cat "$work/list.err")"
grep -qP '^fixture_counting_source\tsource\t1.0.0\t' "$work/list" || fail "plugins list lacks the source: $(cat "$work/list")"
grep -qP '^fixture_recording_sink\tsink\t1.0.0\t' "$work/list" || fail "plugins list lacks the sink: $(cat "$work/list")"
for file in "${!bad[@]}"; do
  grep -F "refused	plugin $plugins/$file refused: " "$work/list" | grep -qF "${bad[$file]}" ||
    fail "plugins list does not report $file with '${bad[$file]}': $(cat "$work/list")"
done
(($(wc -l <"$work/list") == 8)) || fail "plugins list has other lines: $(cat "$work/list")"
pass "plugins list shows the good plugins and every refused file"

# 3. `ingest run` with a good pipeline on that plugin path.
cat >"$work/connectors/counter.json" <<JSON
{"name": "counter", "config": {"plugin": "fixture_counting_source", "topic": "numbers", "count": 200,
 "deliveries.file": "$work/deliveries.txt"}}
JSON
cat >"$work/connectors/recorder.json" <<JSON
{"name": "recorder", "config": {"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 50,
 "records.file": "$work/records.txt"}}
JSON
log=$work/worker.log
"$ingest" run --plugin-path "$plugins" --connectors "$work/connectors" --state-dir "$work/state" \
  --rest-listen 127.0.0.1:0 >"$log" 2>&1 &
runner=$!
wait_for 60 "the worker to publish its REST address" test -s "$work/state/rest"
wait_for 60 "the sink to receive all 200 records" bash -c "[[ \$(wc -l < '$work/records.txt' 2>/dev/null) == 200 ]]"
kill -0 "$runner" 2>/dev/null || fail "the worker died"
for file in "${!bad[@]}"; do
  grep -F "plugin $plugins/$file refused: " "$log" | grep -qF "${bad[$file]}" ||
    fail "the worker's log does not report $file with '${bad[$file]}'"
done
address=$(cat "$work/state/rest")
curl -sf "http://$address/connector-plugins" >"$work/rest-plugins" || fail "GET /connector-plugins failed"
[[ $(cat "$work/rest-plugins") == '[{"class":"fixture_counting_source","type":"source","version":"1.0.0"},{"class":"fixture_recording_sink","type":"sink","version":"1.0.0"}]' ]] ||
  fail "GET /connector-plugins: $(cat "$work/rest-plugins")"
grep -q '"state":"RUNNING"' "$work/state/status.json" || fail "no task RUNNING: $(cat "$work/state/status.json")"
pass "ingest run keeps running, lists the good plugins and reports the bad files"

# 4. An ambiguous name: a second file declaring fixture_recording_sink, in another directory.
cp "$fixtures/fixture_recording_sink.so" "$work/ambiguous/another_recorder.so"
status=0
"$ingest" connectors validate "$work/connectors/recorder.json" --plugin-path "$plugins" --plugin-path "$work/ambiguous" \
  >"$work/out" 2>"$work/err" || status=$?
((status == 2)) || fail "validating a connector of an ambiguous plugin exited $status, expected 2: $(cat "$work/err")"
grep -qF "plugin 'fixture_recording_sink' is ambiguous: it is declared by $plugins/fixture_recording_sink.so and $work/ambiguous/another_recorder.so" \
  "$work/err" || fail "the refusal does not name both files: $(cat "$work/err")"
pass "a connector naming an ambiguous plugin is refused, both files named"

kill -TERM "$runner"
wait_for 30 "a clean exit after SIGTERM" bash -c "! kill -0 $runner 2>/dev/null"
status=0; wait "$runner" || status=$?; runner=
((status == 0)) || fail "exit status $status after SIGTERM, expected 0"
pass "the worker stops cleanly"
