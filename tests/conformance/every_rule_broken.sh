#!/usr/bin/env bash
# Every conformance rule has a fixture that breaks it, and every such fixture names a rule.
#
#   every_rule_broken.sh INGEST RULE...   (RULE: each rule a fixture variant breaks)
set -euo pipefail
(($# >= 1)) || { echo "usage: $0 INGEST RULE..." >&2; exit 2; }
ingest=$1
shift
listed=$("$ingest" plugin rules | grep -v '^[[:space:]]' | sort)
broken=$(printf '%s\n' "$@" | sort)
unbroken=$(comm -23 <(echo "$listed") <(echo "$broken"))
unknown=$(comm -13 <(echo "$listed") <(echo "$broken"))
twice=$(echo "$broken" | uniq -d)
[[ -z $unbroken ]] || echo "rules no fixture breaks (add a BREAK_ variant in tests/conformance): $unbroken" >&2
[[ -z $unknown ]] || echo "fixtures breaking rules that do not exist: $unknown" >&2
[[ -z $twice ]] || echo "rules broken by more than one fixture: $twice" >&2
[[ -z $unbroken$unknown$twice ]] || exit 1
echo "each of the $(echo "$listed" | wc -l) rules is broken by exactly one fixture"
