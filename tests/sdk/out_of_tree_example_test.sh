#!/usr/bin/env bash
# The SDK as a plugin author outside this repository gets it. From this build's `cmake --install`
# into a temporary prefix: examples/sink_jsonl, copied out of the source tree, is built against
# the prefix alone, once with find_package(IngestSDK) and once with pkg-config; both pass the
# conformance suite (`ingest plugin check`), and so do the example's own tests, built against the
# installed harness; and the installed runner, on its embedded broker, runs the shipped event
# simulator into it. Every line it wrote must be the record the simulator's audit log says the
# broker stored at that partition and offset, tombstones as null, nothing missing, nothing twice.
#
#   out_of_tree_example_test.sh SOURCE_DIR BUILD_DIR LIBDIR CMAKE GENERATOR CXX
set -euo pipefail
src=$1 build=$2 libdir=$3 cmake=$4 generator=$5 cxx=$6
readonly events=200

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- install ---------------------------------------------------------------------------------
prefix=$work/prefix
run "$work/install.log" "$cmake" --install "$build" --prefix "$prefix"
for file in include/ingest/plugin_abi.h include/ingest/sdk.hpp include/ingest/config.hpp \
    "$libdir/cmake/IngestSDK/IngestSDKConfig.cmake" "$libdir/cmake/IngestSDK/IngestSDKConfigVersion.cmake" \
    "$libdir/cmake/IngestSDK/IngestPlugin.cmake" "$libdir/pkgconfig/ingest-sdk.pc" bin/ingest \
    "$libdir/ingest/plugins/source_event_simulator.so"; do
  [[ -f $prefix/$file ]] || fail "cmake --install did not install $file"
done
leaks=$(grep -rlF "$src" "$prefix/include" "$prefix/$libdir/cmake" "$prefix/$libdir/pkgconfig" || true)
[[ -z $leaks ]] || fail "installed files name the source tree: $leaks"
pass "cmake --install puts the SDK headers, CMake package, pkg-config file, runner and plugins in the prefix"

# ---- build out of tree: CMake ------------------------------------------------------------------
build_example sink_jsonl "$prefix" "$prefix/$libdir/cmake/IngestSDK" -DCMAKE_CXX_COMPILER="$cxx"
example_build=$work/sink_jsonl-build
plugin=$example_build/sink_jsonl.so
leaks=$(grep -lF "$src" "$example_build/build.ninja" "$example_build/CMakeCache.txt" 2>/dev/null || true)
[[ -z $leaks ]] || fail "the example's build names the source tree $src in: $leaks"
exported=$(exported_functions "$plugin")
[[ $exported == ingest_plugin_entry ]] || fail "sink_jsonl.so exports functions other than the entry point: $exported"
pass "examples/sink_jsonl builds out of tree against the installed package only; it exports just its entry point"

# ---- build out of tree: pkg-config -------------------------------------------------------------
cflags=$(PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig PKG_CONFIG_LIBDIR='' pkg-config --cflags ingest-sdk) \
  || fail "pkg-config does not find ingest-sdk in $prefix/$libdir/pkgconfig"
[[ $cflags != *"$src"* ]] || fail "pkg-config's cflags name the source tree: $cflags"
mkdir "$work/pkg-config-build"
# -O0: this build proves the metadata, not the code; it needs to be quick.
# shellcheck disable=SC2086 # cflags are words
run "$work/pkg-config-build.log" "$cxx" -std=c++20 -O0 -shared -fPIC -fvisibility=hidden \
  -fvisibility-inlines-hidden -Wl,--no-undefined $cflags -I"$work/sink_jsonl/src" \
  "$work/sink_jsonl/plugin.cpp" "$work/sink_jsonl/src/json_line.cpp" "$work/sink_jsonl/src/jsonl_file.cpp" \
  -o "$work/pkg-config-build/sink_jsonl.so"
pass "the example builds with pkg-config's ingest-sdk flags"

ingest=$prefix/bin/ingest
plugin_path=(--plugin-path "$prefix/$libdir/ingest/plugins" --plugin-path "$example_build")
# shellcheck disable=SC2016 # ${env:...} is the runner's, expanded per rule
echo '{"path": "${env:INGEST_CONFORMANCE_DIR}/records.jsonl"}' >"$work/sample.json"
for built in "$plugin" "$work/pkg-config-build/sink_jsonl.so"; do
  conform "$ingest" "$built" "$work/sample.json" "$cxx"
done
pass "both builds pass the conformance suite (ingest plugin check), memory.no_leaks under LeakSanitizer"

# The example's own tests: its .so through the installed harness, and INGEST_CONFORMANCE_TESTS.
run "$work/example-tests.log" ctest --test-dir "$example_build" --output-on-failure --timeout 120
grep -q 'Conformance_sink_jsonl.records_malformed .* Passed' "$log" || fail "the example's conformance tests did not run"
pass "the example's own tests (harness and conformance suite) pass against the installed harness"

# ---- its config: documented keys, a missing directory refused -----------------------------------
run "$work/describe.log" "$ingest" "${plugin_path[@]}" plugins describe sink_jsonl --format markdown
if ! grep -qF 'path' "$log" || ! grep -qF 'its directory must exist' "$log"; then fail "the key 'path' is not documented"; fi
mkdir "$work/connectors" "$work/refused" "$work/out"
cat >"$work/refused/sink.json" <<JSON
{"name": "jsonl", "config": {"plugin": "sink_jsonl", "topics": "user-events", "path": "$work/no-such-dir/records.jsonl"}}
JSON
log=$work/refused.log
status=0
"$ingest" "${plugin_path[@]}" connectors validate "$work/refused/sink.json" >"$log" 2>&1 </dev/null || status=$?
((status == 2)) || fail "a path in a missing directory: connectors validate exited $status, expected 2"
grep -qF "key 'path': directory '$work/no-such-dir' does not exist" "$log" || fail "the refusal does not name the directory"
pass "a path whose directory does not exist is refused, naming it"

# ---- run it: the simulator into sink_jsonl on the embedded broker -------------------------------
cat >"$work/connectors/simulator.json" <<JSON
{"name": "simulator", "config": {"plugin": "source_event_simulator", "topic": "user-events", "events": "$events",
 "rate": "0", "seed": "7", "deletion.rate": "0.1", "audit.log": "$work/audit.jsonl"}}
JSON
records=$work/out/records.jsonl
cat >"$work/connectors/jsonl.json" <<JSON
{"name": "jsonl", "config": {"plugin": "sink_jsonl", "topics": "user-events", "path": "$records"}}
JSON
start_runner "$work/run.log" "$ingest" "${plugin_path[@]}" run --connectors "$work/connectors" \
  --state-dir "$work/state" --rest-listen off
stream_complete() { grep -qF "stream complete: records=" "$log"; }
wait_for 90 "the simulator to complete its stream" stream_complete
produced=$(sed -n 's/.*stream complete: records=\([0-9]*\) confirmed=\([0-9]*\).*/\1 \2/p' "$log")
[[ $produced == "$events $events" ]] || fail "the simulator reports records/confirmed '$produced', expected $events $events"
all_written() { [[ -f $records ]] && (($(wc -l <"$records") >= events)); }
wait_for 60 "sink_jsonl to write $events lines" all_written
stop_runner 0

# An independent reading of both files: the sink's lines against the audit log's confirmed records.
python3 - "$records" "$work/audit.jsonl" "$events" <<'PY' || fail "the file does not hold exactly the records the broker stored"
import json, sys
records_path, audit_path, events = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = {}
with open(records_path, encoding="utf-8") as f:
    for number, text in enumerate(f, 1):
        try:
            line = json.loads(text)
        except ValueError as error:
            sys.exit(f"{records_path}:{number}: not JSON: {error}")
        expected_keys = {"topic", "partition", "offset", "timestamp_ms", "key", "value", "headers"}
        if set(line) != expected_keys:
            sys.exit(f"{records_path}:{number}: fields {sorted(line)}, expected {sorted(expected_keys)}")
        if line["topic"] != "user-events" or not isinstance(line["headers"], list):
            sys.exit(f"{records_path}:{number}: topic {line['topic']!r}, headers {line['headers']!r}")
        where = (line["partition"], line["offset"])
        if where in lines:
            sys.exit(f"{records_path}:{number}: partition {where[0]} offset {where[1]} written twice")
        lines[where] = line
stored = {}
with open(audit_path, encoding="utf-8") as f:
    for text in f:
        entry = json.loads(text)
        if entry.get("status") == "confirmed":
            stored[(entry["partition"], entry["offset"])] = entry
if len(stored) != events:
    sys.exit(f"the audit log confirms {len(stored)} records, expected {events}")
if set(lines) != set(stored):
    missing, extra = sorted(set(stored) - set(lines)), sorted(set(lines) - set(stored))
    sys.exit(f"missing (partition, offset): {missing[:5]}; not stored by the broker: {extra[:5]}")
tombstones = 0
for where, entry in stored.items():
    line = lines[where]
    if (line["key"], line["value"]) != (entry["key"], entry["value"]):
        sys.exit(f"partition {where[0]} offset {where[1]}: wrote {line['key']!r}={line['value']!r}, "
                 f"the broker stored {entry['key']!r}={entry['value']!r}")
    tombstones += line["value"] is None
deletes = sum(1 for entry in stored.values() if entry["intent"] == "delete")
if tombstones != deletes or deletes == 0:
    sys.exit(f"{tombstones} tombstones written, the simulator sent {deletes} deletions")
print(f"{len(lines)} lines, {tombstones} tombstones")
PY
pass "sink_jsonl wrote each of the $events records the broker stored once, as JSON, tombstones as null"
