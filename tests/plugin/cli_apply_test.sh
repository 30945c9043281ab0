#!/usr/bin/env bash
# `ingest connectors apply [--dry-run] DIR` against a running worker (embedded broker, fixture
# plugins): the dry run prints the plan and changes nothing; apply makes the worker's connectors
# exactly DIR's (create, update, delete); a changed, a removed and an added file are applied the
# same way; a DIR with bad files is refused with every problem named and nothing changed. Passwords
# (here a secret client override) are never printed and never compared.
#
#   cli_apply_test.sh INGEST FIXTURE_DIR WORK_DIR
set -euo pipefail
# shellcheck source=../../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
ingest=$1 fixtures=$2 work=$3
rm -rf "$work" && mkdir -p "$work/worker" "$work/desired" "$work/empty"
runner=
trap '[[ -n $runner ]] && kill -KILL "$runner" 2>/dev/null; true' EXIT

log=$work/worker.log
fail() { echo "FAIL: $*" >&2; tail -n 30 "$log" >&2; exit 1; }
pass() { echo "PASS: $*"; }
wait_for() { wait_until "$1" "$2" "${@:3}" || fail "timed out waiting for $2"; }
apply() { "$ingest" connectors apply "$@" --state-dir "$work/state" >"$work/out" 2>"$work/err"; }
# expect_apply CODE ARGS...: `ingest connectors apply ARGS` exits CODE.
expect_apply() {
  local want=$1 status=0
  shift
  apply "$@" || status=$?
  ((status == want)) || fail "'apply $*' exited $status, expected $want: $(cat "$work/out" "$work/err")"
}
# The worker's connectors and configs, as one sorted JSON line: {name: config}.
worker_configs() {
  curl -sf "http://$(cat "$work/state/rest")/connectors?expand=info" |
    python3 -c 'import json,sys; print(json.dumps({n: e["info"]["config"] for n, e in json.load(sys.stdin).items()}, sort_keys=True))'
}
# DIR's connectors as the worker should hold them: ${env:NAME} expanded from the worker's
# environment, numbers as text, password values masked. Independent of the runner's reader.
dir_configs() {
  WORKER_SECRET=$worker_secret python3 - "$1" <<'PY'
import json, os, pathlib, re, sys
env = dict(os.environ, APPLY_TEST_SECRET=os.environ["WORKER_SECRET"])
result = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    doc = json.loads(path.read_text())
    config = {}
    for key, value in doc["config"].items():
        text = json.dumps(value) if not isinstance(value, str) else value
        text = re.sub(r"\$\{env:([^}:]+)\}", lambda m: env[m.group(1)], text)
        config[key] = "****" if key.endswith(".password") else text
    result[doc["name"]] = config
print(json.dumps(result, sort_keys=True))
PY
}
worker_equals_dir() { [[ $(worker_configs) == "$(dir_configs "$1")" ]]; }
connector() {  # connector DIR NAME PLUGIN-CONFIG-JSON
  printf '{"name": "%s", "config": %s}\n' "$2" "$3" >"$1/$2.json"
}

# The worker: a paced source, a sink DIR holds as it is (with a secret in the worker's environment),
# one DIR changes and one DIR does not have.
export APPLY_TEST_DIR=$work
worker_secret=worker-secret-value
counter='{"plugin": "fixture_paced_source", "topic": "numbers", "rate": 200}'
same='{"plugin": "fixture_recording_sink", "topics": "numbers", "records.file": "${env:APPLY_TEST_DIR}/same.txt",
  "consumer.override.ssl.key.password": "${env:APPLY_TEST_SECRET}"}'
connector "$work/worker" counter "$counter"
connector "$work/worker" same "$same"
connector "$work/worker" drift '{"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 50,
  "expect.at.most": 1000, "records.file": "'"$work"'/drift.txt"}'
connector "$work/worker" legacy '{"plugin": "fixture_recording_sink", "topics": "numbers", "records.file": "'"$work"'/legacy.txt"}'
APPLY_TEST_SECRET=$worker_secret "$ingest" run --plugin-path "$fixtures" --connectors "$work/worker" \
  --state-dir "$work/state" --rest-listen 127.0.0.1:0 >"$log" 2>&1 &
runner=$!
wait_for 60 "the worker to publish its REST address" test -s "$work/state/rest"
has_four() { [[ $(worker_configs) == *'"counter"'*'"drift"'*'"legacy"'*'"same"'* ]]; }
wait_for 60 "the worker's four connectors" has_four
worker=http://$(cat "$work/state/rest")

# DIR: counter and same as they are (apply's own environment has another secret: it is masked on
# the worker, so it cannot differ), drift changed, fresh new, legacy absent.
export APPLY_TEST_SECRET=apply-side-secret
connector "$work/desired" counter "$counter"
connector "$work/desired" same "$same"
connector "$work/desired" drift '{"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 100,
  "records.file": "'"$work"'/drift.txt"}'
connector "$work/desired" fresh '{"plugin": "fixture_recording_sink", "topics": "numbers",
  "records.file": "${env:APPLY_TEST_DIR}/fresh.txt"}'

before=$(worker_configs)
expect_apply 0 --dry-run "$work/desired"
diff -u - "$work/out" <<EOF || fail "the dry run's plan"
worker $worker, directory $work/desired (4 connectors)
+ create fresh
    plugin: fixture_recording_sink
    records.file: $work/fresh.txt
    topics: numbers
~ update drift
    batch.max.ms: 50 -> 100
    expect.at.most: 1000 -> (unset)
- delete legacy
apply: 1 to create, 1 to update, 1 to delete, 2 unchanged
dry run: nothing was changed
EOF
[[ $(worker_configs) == "$before" ]] || fail "the dry run changed the worker: $(worker_configs)"
! grep -q -- "-secret" "$work/out" "$work/err" || fail "a secret was printed: $(cat "$work/out")"
expect_apply 0 --dry-run --no-delete "$work/desired"
grep -qx 'apply: 1 to create, 1 to update, 0 to delete, 2 unchanged, 1 not in DIR kept (--no-delete)' "$work/out" ||
  fail "--no-delete: $(cat "$work/out")"
pass "--dry-run prints the plan (create, update with its keys, delete, unchanged) and changes nothing"

expect_apply 0 "$work/desired"
for line in "created fresh" "updated drift" "deleted legacy"; do
  grep -qx "$line" "$work/out" || fail "apply did not print '$line': $(cat "$work/out")"
done
wait_for 60 "the worker to hold exactly DIR's connectors" worker_equals_dir "$work/desired"
grep -q '${env:APPLY_TEST_DIR}/fresh.txt' "$work/worker/fresh.json" ||
  fail "the worker was not sent the \${env:...} reference as written: $(cat "$work/worker/fresh.json")"
expect_apply 0 --dry-run "$work/desired"
grep -qx 'apply: 0 to create, 0 to update, 0 to delete, 4 unchanged' "$work/out" || fail "not converged: $(cat "$work/out")"
expect_apply 0 "$work/desired"
grep -qx 'nothing to do' "$work/out" || fail "a second apply did something: $(cat "$work/out")"
pass "apply makes the worker's connectors DIR's; applied again, nothing to do"

# Change one file, remove one, add one.
connector "$work/desired" drift '{"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 200,
  "records.file": "'"$work"'/drift.txt"}'
rm "$work/desired/same.json"
connector "$work/desired" added '{"plugin": "fixture_recording_sink", "topics": "numbers", "records.file": "'"$work"'/added.txt"}'
expect_apply 0 --dry-run "$work/desired"
diff -u - "$work/out" <<EOF || fail "the second plan"
worker $worker, directory $work/desired (4 connectors)
+ create added
    plugin: fixture_recording_sink
    records.file: $work/added.txt
    topics: numbers
~ update drift
    batch.max.ms: 100 -> 200
- delete same
apply: 1 to create, 1 to update, 1 to delete, 2 unchanged
dry run: nothing was changed
EOF
expect_apply 0 "$work/desired"
wait_for 60 "the worker to hold DIR's connectors again" worker_equals_dir "$work/desired"
pass "a changed, a removed and an added file"

# Refused: every problem of every file named (the worker's validation and apply's own reading), and
# nothing changed, not even the good file's change.
cp -r "$work/desired" "$work/bad"
connector "$work/bad" drift '{"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 300,
  "records.file": "'"$work"'/drift.txt"}'
connector "$work/bad" broken '{"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": "soon",
  "bogus.key": 1, "records.file": "'"$work"'/broken.txt"}'
connector "$work/bad" unset '{"plugin": "fixture_recording_sink", "topics": "numbers",
  "records.file": "${env:APPLY_TEST_UNSET_VARIABLE}/x.txt"}'
connector "$work/bad" lost '{"plugin": "no_such_plugin", "topic": "numbers"}'
before=$(worker_configs)
expect_apply 2 "$work/bad"
for problem in "$work/bad/broken.json: invalid connector config:" "key 'batch.max.ms': " "key 'bogus.key': " \
  "$work/bad/unset.json: invalid connector config:" "key 'records.file': environment variable APPLY_TEST_UNSET_VARIABLE is not set" \
  "$work/bad/lost.json: invalid connector config:" "key 'plugin': Plugin no_such_plugin not found" \
  "apply: refused: 3 file(s) with problems; nothing was changed"; do
  grep -qF -- "$problem" "$work/err" || fail "the refusal does not say '$problem': $(cat "$work/err")"
done
[[ ! -s $work/out ]] || fail "a refused apply printed a plan: $(cat "$work/out")"
printf '{"name": "syntax", "config": {"plugin": }}\n' >"$work/bad/syntax.json"
expect_apply 2 "$work/bad"
grep -qF "$work/bad/syntax.json: not valid JSON at line 1, column" "$work/err" || fail "a syntax error: $(cat "$work/err")"
expect_apply 2 "$work/empty"
grep -qF "holds no connector files" "$work/err" || fail "an empty DIR: $(cat "$work/err")"
[[ $(worker_configs) == "$before" ]] || fail "a refused apply changed the worker: $(worker_configs)"
pass "bad files refused with every problem (file and key), an empty DIR refused, nothing changed"

# The client's exit codes: a wrong token (4: the worker's validation of a change refuses it), no worker (3).
cp -r "$work/desired" "$work/next"
connector "$work/next" drift '{"plugin": "fixture_recording_sink", "topics": "numbers", "batch.max.ms": 300,
  "records.file": "'"$work"'/drift.txt"}'
echo wrong-token >"$work/wrong-token"
status=0
"$ingest" connectors apply "$work/next" --state-dir "$work/state" --token-file "$work/wrong-token" \
  >"$work/out" 2>"$work/err" || status=$?
((status == 4)) || fail "a wrong token: exit $status: $(cat "$work/err")"
status=0
"$ingest" connectors apply "$work/desired" --url http://127.0.0.1:1 >"$work/out" 2>"$work/err" || status=$?
((status == 3)) || fail "no worker: exit $status: $(cat "$work/err")"
pass "exit 4 for a refused token, 3 without a worker"

stop_pid "$runner" "the worker"
runner=
