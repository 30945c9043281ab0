# shellcheck shell=bash
# What the tests in tests/sdk share: a work directory outside the source tree (removed when the
# test passes, kept and named when it fails), a runner killed on exit, bounded waits, and commands
# whose output goes to a log shown on failure. Source it with `src` set to the source tree; it
# sets `work`.

: "${src:?lib.sh needs src, the source tree}"
work=$(mktemp -d "${TMPDIR:-/tmp}/ingest-sdk-test.XXXXXX")
runner=
log=
finish() {
  local status=$?
  [[ -n $runner ]] && kill -KILL "$runner" 2>/dev/null
  if ((status == 0)); then rm -rf "$work"; else echo "work directory kept: $work" >&2; fi
}
trap finish EXIT
# A command that ends the test through `set -e` says which one it was.
trap 'echo "FAIL: line $LINENO of ${BASH_SOURCE[0]##*/}: $BASH_COMMAND exited $?" >&2' ERR

fail() { echo "FAIL: $*" >&2; [[ -f ${log:-} ]] && tail -n 40 "$log" >&2; exit 1; }
pass() { echo "PASS: $*"; }
# wait_for SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails naming WHAT at the deadline.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do ((SECONDS < deadline)) || fail "timed out waiting for $what"; sleep 0.1; done
}
# run LOG COMMAND...: runs it with its output in LOG, failing the test with LOG's tail if it fails.
run() {
  log=$1
  shift
  "$@" >"$log" 2>&1 </dev/null || fail "$* exited $?"
}
# start_runner LOG INGEST ARGS...: `INGEST ARGS...` in the background, its output in LOG.
start_runner() {
  log=$1
  shift
  "$@" >"$log" 2>&1 </dev/null &
  runner=$!
}
# stop_runner [STATUS]: SIGTERM, at most 30 s to exit, and it must exit STATUS (default 0; 1 when
# a task failed).
stop_runner() {
  local expected=${1:-0} status=0
  kill -TERM "$runner"
  wait_for 30 "the runner to stop" bash -c "! kill -0 $runner 2>/dev/null"
  wait "$runner" || status=$?
  runner=
  ((status == expected)) || fail "the runner exited $status after SIGTERM, expected $expected"
}
# log_has TEXT: the current log holds TEXT (false while the log does not exist yet).
log_has() { [[ -f $log ]] && grep -qF -- "$1" "$log"; }
# conform INGEST SO SAMPLE COMPILER: the whole conformance suite on SO with the sample config file
# SAMPLE, under LeakSanitizer (the compiler's liblsan preloaded into the runner, so that
# memory.no_leaks really runs): no rule may fail, and memory.no_leaks must pass, not be skipped.
conform() {
  local lsan
  lsan=$("$4" -print-file-name=liblsan.so)
  [[ -f $lsan ]] || fail "$4 has no liblsan.so (LeakSanitizer's runtime, Debian's liblsan0)"
  log=$work/conformance-$(basename "$2" .so).log
  LD_PRELOAD=$lsan "$1" plugin check "$2" --config "$3" >"$log" 2>&1 </dev/null ||
    fail "ingest plugin check $2 --config $3 exited $?"
  grep -q '^  PASS memory.no_leaks' "$log" || fail "memory.no_leaks did not pass for $2"
  grep -q '^[0-9]* passed, 0 failed' "$log" || fail "a conformance rule failed for $2"
}
# build_example NAME PREFIX PACKAGE_DIR [CMAKE_ARG...]: copies examples/NAME out of the source tree
# to $work/NAME and builds it in $work/NAME-build with CMake (uses $cmake and $generator) against
# PREFIX alone: no package registries, no hint at this tree, and find_package(IngestSDK) must find
# PACKAGE_DIR. The build must make NAME.so.
build_example() {
  local name=$1 prefix=$2 package_dir=$3 found
  shift 3
  cp -r "$src/examples/$name" "$work/$name"
  # shellcheck disable=SC2154 # cmake and generator are the sourcing test's arguments
  run "$work/$name-configure.log" "$cmake" -S "$work/$name" -B "$work/$name-build" -G "$generator" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF "$@"
  found=$(sed -n 's/^IngestSDK_DIR:PATH=//p' "$work/$name-build/CMakeCache.txt")
  [[ $found == "$package_dir" ]] || fail "find_package(IngestSDK) found '$found', not $package_dir"
  run "$work/$name-build.log" "$cmake" --build "$work/$name-build" -j 1
  [[ -f $work/$name-build/$name.so ]] || fail "the build of examples/$name made no $name.so: $(ls "$work/$name-build")"
}
# exported_functions SO: the functions a shared object exports (a plugin: its entry point only).
exported_functions() { nm -D --defined-only "$1" | awk '$2 == "T" { print $3 }'; }

# A temporary directory inside the source tree could not tell its paths from the tree's.
[[ $work != "$src"/* ]] || fail "the temporary directory $work is inside the source tree $src"
