#!/usr/bin/env bash
# Runs `ingest plugin check` on one plugin and compares every rule's outcome with what is expected.
#
#   check_plugin.sh INGEST PLUGIN.so SAMPLE.json [--skip RULE=REASON]... [--breaks RULE]
#                   [--refused TEXT] [--postgres DSN_FILE]
#
# Every rule `ingest plugin rules` lists must PASS, except:
#   --skip RULE=REASON  RULE is not applicable: it must SKIP, with REASON in its detail.
#   --breaks RULE       the plugin breaks RULE: it must FAIL, naming the rule, and the check exit 1.
#                       Every other rule keeps its outcome, or SKIPs because it needs what RULE
#                       checks (the suite's detail then points to it: "(see RULE)").
#   --refused TEXT      the runner refuses the file before the suite runs: exit 1 and TEXT (the
#                       broken descriptor rule's FAIL line) in the output.
#   --postgres FILE     the plugin needs PostgreSQL: INGEST_PG_DSN is the first line of FILE (the
#                       ctest fixture's DSN), CONFORMANCE_PG_SCHEMA a schema of this run's own,
#                       dropped at the end.
# CONFORMANCE_LD_PRELOAD, when set, is preloaded into `ingest plugin check` (LeakSanitizer's
# runtime, so that memory.no_leaks runs), and into nothing else of this script.
set -euo pipefail
(($# >= 3)) || { echo "usage: $0 INGEST PLUGIN.so SAMPLE.json [options]" >&2; exit 2; }
ingest=$1 plugin=$2 sample=$3
shift 3
declare -A skip_reason=()
breaks='' refused='' dsn_file=''
while (($#)); do
  case $1 in
    --skip) skip_reason[${2%%=*}]=${2#*=}; shift 2 ;;
    --breaks) breaks=$2; shift 2 ;;
    --refused) refused=$2; shift 2 ;;
    --postgres) dsn_file=$2; shift 2 ;;
    *) echo "$0: unknown option $1" >&2; exit 2 ;;
  esac
done

if [[ -n $dsn_file ]]; then
  [[ -s $dsn_file ]] || { echo "no DSN in $dsn_file: is the ctest fixture 'postgres' running?" >&2; exit 1; }
  INGEST_PG_DSN=$(head -n1 "$dsn_file")
  CONFORMANCE_PG_SCHEMA=conformance_$$_$RANDOM
  export INGEST_PG_DSN CONFORMANCE_PG_SCHEMA
  drop_schema() {
    PGOPTIONS='-c client_min_messages=warning' psql -qX -v ON_ERROR_STOP=1 "$INGEST_PG_DSN" \
      -c "DROP SCHEMA IF EXISTS $CONFORMANCE_PG_SCHEMA CASCADE" >/dev/null
  }
  trap drop_schema EXIT
fi

mapfile -t rules < <("$ingest" plugin rules | grep -v '^[[:space:]]')
((${#rules[@]} > 0)) || { echo "ingest plugin rules listed no rules" >&2; exit 1; }

status=0
output=$(LD_PRELOAD=${CONFORMANCE_LD_PRELOAD:-} "$ingest" plugin check "$plugin" --config "$sample" 2>&1) || status=$?
printf '%s\n(exit status %d)\n\n' "$output" "$status"

problems=()
if [[ -n $refused ]]; then
  ((status == 1)) || problems+=("exit status $status, expected 1 (refused)")
  [[ $output == *"$refused"* ]] || problems+=("the output does not say: $refused")
else
  for rule in "${rules[@]}"; do
    line=$(grep -F -- " $rule: " <<<"$output" | grep -E '^  (PASS|FAIL|SKIP) ' || true)
    if [[ -z $line ]]; then
      problems+=("$rule: no outcome in the output")
      continue
    fi
    outcome=${line:2:4} detail=${line#*": "}
    if [[ $rule == "$breaks" ]]; then
      [[ $outcome == FAIL ]] || problems+=("$rule: $outcome, expected FAIL (the plugin breaks it)")
    elif [[ -n ${skip_reason[$rule]+set} ]]; then
      if [[ $outcome != SKIP || $detail != *"${skip_reason[$rule]}"* ]]; then
        problems+=("$rule: $outcome, expected SKIP because ${skip_reason[$rule]}")
      fi
    elif [[ $outcome == SKIP && -n $breaks && $detail == *"see "*"$breaks"* ]]; then
      :  # needs what the broken rule checks
    elif [[ $outcome != PASS ]]; then
      problems+=("$rule: $outcome, expected PASS")
    fi
  done
  expected_status=0
  [[ -z $breaks ]] || expected_status=1
  ((status == expected_status)) || problems+=("exit status $status, expected $expected_status")
  if [[ -n $breaks ]]; then
    printf '%s\n' "${rules[@]}" | grep -qxF -- "$breaks" || problems+=("no rule '$breaks' (ingest plugin rules)")
  fi
fi

if ((${#problems[@]})); then
  printf 'NOT AS EXPECTED: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "as expected: ${#rules[@]} rules${breaks:+, only $breaks fails}${refused:+ (refused before the rules)}"
