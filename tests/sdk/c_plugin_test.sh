#!/usr/bin/env bash
# A plugin in plain C11, as its author outside this repository builds it. From this build's `cmake
# --install` into a temporary prefix: examples/source_lines_c, copied out of the source tree, is
# built against the prefix alone, once with CMake (a project with no C++ enabled: ingest::abi) and
# once with a plain `cc` command line and pkg-config; both export only the entry point and need
# no C++ runtime. The installed runner lists its documented keys and refuses a config without
# `file`; then, on its embedded broker, source_lines_c reads a file into a one-partition topic
# that examples/sink_jsonl (built the same way) writes out: every line, in order, keyed by its
# number. A second connector with a line over max.line.bytes fails, naming that line.
#
#   c_plugin_test.sh SOURCE_DIR BUILD_DIR LIBDIR CMAKE GENERATOR CC CXX
set -euo pipefail
src=$1 build=$2 libdir=$3 cmake=$4 generator=$5 cc=$6 cxx=$7
readonly lines=1300 # more than one poll's worth (500)

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- install ---------------------------------------------------------------------------------
prefix=$work/prefix
run "$work/install.log" "$cmake" --install "$build" --prefix "$prefix"
targets=$prefix/$libdir/cmake/IngestSDK/IngestSDKTargets.cmake
grep -qF 'add_library(ingest::abi INTERFACE IMPORTED)' "$targets" || fail "the CMake package has no ingest::abi target"
pass "the installed CMake package exports ingest::abi"

# ---- build out of tree: CMake, C only ----------------------------------------------------------
# Only the prefix may provide the package; CMAKE_CXX_COMPILER is poisoned, so a build that needed
# C++ anywhere (the package, ingest_add_plugin) would fail.
build_example source_lines_c "$prefix" "$prefix/$libdir/cmake/IngestSDK" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_CXX_COMPILER=/nonexistent/c++ --graphviz="$work/targets.dot"
example_build=$work/source_lines_c-build
# ingest_add_plugin in a project without C++: the module and its core link ingest::abi, never ingest::sdk.
if ! grep -qF '// source_lines_c -> ingest::abi' "$work/targets.dot" || grep -qF 'ingest::sdk' "$work/targets.dot"; then
  fail "ingest_add_plugin did not link ingest::abi alone: $(grep -F -- '->' "$work/targets.dot")"
fi
cmake_plugin=$example_build/source_lines_c.so
leaks=$(grep -lF "$src" "$example_build/build.ninja" "$example_build/CMakeCache.txt" 2>/dev/null || true)
[[ -z $leaks ]] || fail "the example's build names the source tree $src in: $leaks"
pass "examples/source_lines_c builds out of tree in a C-only project against the installed package only"

# ---- build out of tree: cc and pkg-config ------------------------------------------------------
cflags=$(PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig PKG_CONFIG_LIBDIR='' pkg-config --cflags ingest-sdk) \
  || fail "pkg-config does not find ingest-sdk in $prefix/$libdir/pkgconfig"
mkdir "$work/cc-build"
# Strict ISO C11: the plugin and plugin_abi.h need no compiler extensions and warn about nothing.
# shellcheck disable=SC2086 # cflags are words
run "$work/cc-build.log" "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -shared -fPIC -fvisibility=hidden \
  -Wl,--no-undefined $cflags -I"$work/source_lines_c/src" \
  "$work/source_lines_c/plugin.c" "$work/source_lines_c/src/line_reader.c" -o "$work/cc-build/source_lines_c.so"
cc_plugin=$work/cc-build/source_lines_c.so
pass "the example builds with a plain cc -std=c11 -Wpedantic -Werror command line and pkg-config's flags"

for built in "$cmake_plugin" "$cc_plugin"; do
  exported=$(exported_functions "$built")
  [[ $exported == ingest_plugin_entry ]] || fail "$built exports functions other than the entry point: $exported"
  needed=$(readelf -d "$built" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  [[ $needed == "libc.so.6 " ]] || fail "$built needs more than the C library: $needed"
done
pass "both builds export just the entry point and need only libc"

ingest=$prefix/bin/ingest
printf 'one\ntwo\nthree\n' >"$work/sample-lines.txt"
echo "{\"file\": \"$work/sample-lines.txt\"}" >"$work/sample.json"
for built in "$cmake_plugin" "$cc_plugin"; do
  conform "$ingest" "$built" "$work/sample.json" "$cc"
done
pass "both builds pass the conformance suite (ingest plugin check), memory.no_leaks under LeakSanitizer"

# ---- its config: documented keys, a missing `file` refused --------------------------------------
plugin_path=(--plugin-path "$example_build")
run "$work/describe.log" "$ingest" "${plugin_path[@]}" plugins describe source_lines_c --format markdown
# shellcheck disable=SC2016 # the backticks are Markdown's
for row in '| `file` | string | (required) |' '| `key.line_numbers` | boolean | `true` |' \
    '| `max.line.bytes` | int | `1048576` | [1, 67108864] |'; do
  grep -qF "$row" "$log" || fail "plugins describe does not show the row '$row'"
done
grep -qF 'no line is ever cut' "$log" || fail "max.line.bytes is not documented"
mkdir "$work/refused"
cat >"$work/refused/lines.json" <<JSON
{"name": "lines", "config": {"plugin": "source_lines_c", "topic": "lines", "max.line.bytes": "0"}}
JSON
log=$work/refused.log
status=0
"$ingest" "${plugin_path[@]}" connectors validate "$work/refused/lines.json" >"$log" 2>&1 </dev/null || status=$?
((status == 2)) || fail "a config without 'file': connectors validate exited $status, expected 2"
grep -F "'file'" "$log" | grep -qi required || fail "the refusal does not say that 'file' is required"
grep -qF "'max.line.bytes'" "$log" || fail "the refusal does not name max.line.bytes=0 too"
pass "plugins describe documents file, key.line_numbers and max.line.bytes; a config without file is refused"

# ---- run it: source_lines_c -> Kafka -> sink_jsonl on the embedded broker ------------------------
# Only the plugin is needed here, not its tests (sdk.out_of_tree_example builds those).
build_example sink_jsonl "$prefix" "$prefix/$libdir/cmake/IngestSDK" -DCMAKE_CXX_COMPILER="$cxx" \
  -DSINK_JSONL_BUILD_TESTS=OFF

# Lines a reader could get wrong: empty, blank, quotes and backslashes, UTF-8, a "\r\n" line end,
# and a last line without "\n".
input=$work/input.txt
python3 - "$input" "$lines" <<'PY'
import sys
path, count = sys.argv[1], int(sys.argv[2])
lines = ["first line", "", "  ", "tab\there", 'quotes " and \\ backslash', "UTF-8: héllo – 日本", "crlf line\r"]
lines += [f"line {number}" for number in range(len(lines) + 1, count + 1)]
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("\n".join(lines))  # no "\n" after the last line
PY
printf 'short\nshort too\nthis line is too long\nshort\n' >"$work/long.txt"

mkdir "$work/connectors" "$work/out"
records=$work/out/records.jsonl
# One partition: the file's order is the topic's order, and so the sink's.
cat >"$work/connectors/lines.json" <<JSON
{"name": "lines", "config": {"plugin": "source_lines_c", "topic": "lines", "topic.creation.default.partitions": "1",
 "file": "$input"}}
JSON
cat >"$work/connectors/jsonl.json" <<JSON
{"name": "jsonl", "config": {"plugin": "sink_jsonl", "topics": "lines", "path": "$records"}}
JSON
cat >"$work/connectors/too-long.json" <<JSON
{"name": "too-long", "config": {"plugin": "source_lines_c", "topic": "too-long", "file": "$work/long.txt",
 "max.line.bytes": "12", "errors.restart.max": "0"}}
JSON
start_runner "$work/run.log" "$ingest" --plugin-path "$example_build" --plugin-path "$work/sink_jsonl-build" \
  run --connectors "$work/connectors" --state-dir "$work/state" --rest-listen off
wait_for 60 "source_lines_c to hand over $lines lines and finish" \
  log_has "[lines-0] source task finished after $lines records"
all_written() { [[ -f $records ]] && (($(wc -l <"$records") >= lines)); }
wait_for 60 "sink_jsonl to write $lines lines" all_written
wait_for 30 "the too-long connector to fail naming line 3" \
  log_has "[too-long-0] task failed: poll: line 3 is longer than max.line.bytes (12 bytes)"
stop_runner 1 # a task failed: the too-long one
log_has "connector lines task 0: FINISHED" || fail "the lines connector's task did not end FINISHED"

# An independent reading: the sink's lines against the input file, one by one.
python3 - "$records" "$input" <<'PY' || fail "the sink's file does not hold exactly the input's lines, in order"
import json, sys
records_path, input_path = sys.argv[1], sys.argv[2]
with open(input_path, encoding="utf-8", newline="") as f:
    expected = [line.removesuffix("\r") for line in f.read().split("\n")]
with open(records_path, encoding="utf-8") as f:
    written = [json.loads(text) for text in f]
if len(written) != len(expected):
    sys.exit(f"{len(written)} records written, the file has {len(expected)} lines")
for number, (line, record) in enumerate(zip(expected, written), 1):
    want = {"topic": "lines", "partition": 0, "offset": number - 1, "key": str(number), "value": line}
    got = {field: record[field] for field in want}
    if got != want:
        sys.exit(f"line {number}: wrote {got}, expected {want}")
print(f"{len(written)} lines in order")
PY
pass "source_lines_c -> Kafka -> sink_jsonl: all $lines lines, in order, keyed by number; a too-long line fails naming it"
