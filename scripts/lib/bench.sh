# shellcheck shell=bash
# Helpers of scripts/bench: clocks, the runner's log, medians and rates. Source after common.sh.

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# The runner logs "2026-11-25T09:31:15.735Z level [who] message"; prints the first matching line's
# time in epoch milliseconds.
log_time_ms() {
  local log=$1 pattern=$2 stamp
  stamp=$(grep -m 1 -E -- "$pattern" "$log" | cut -d' ' -f1) || true
  [[ -n $stamp ]] || { say "no line matching /$pattern/ in $log"; return 1; }
  date -u -d "$stamp" +%s%3N
}

# rate COUNT MILLISECONDS: per second, rounded down; "-" when there is no time to divide by.
rate() { if (($2 > 0)); then echo $(($1 * 1000 / $2)); else echo -; fi; }

# median NUMBER...: the middle value (the lower middle for an even count); "-" without values.
median() {
  (($#)) || { echo -; return; }
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "-" }'; }

# seconds MILLISECONDS: e.g. 12.34s.
seconds() { awk -v ms="$1" 'BEGIN { printf "%.2fs\n", ms / 1000 }'; }

# thousands NUMBER: 1234567 → 1,234,567 (non-numbers pass through).
thousands() { sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta' <<<"$1"; }

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# The simulator's progress lines: "progress: produced=P confirmed=C ...". Prints "TIME_MS CONFIRMED"
# for the first line with confirmed > 0 and for the last line, one per line.
progress_span() {
  local log=$1 first last
  first=$(grep -m 1 -E 'progress: produced=[0-9]+ confirmed=[1-9]' "$log") || return 1
  last=$(grep -E 'progress: produced=' "$log" | tail -n 1)
  local line
  for line in "$first" "$last"; do
    echo "$(date -u -d "${line%% *}" +%s%3N) $(sed -E 's/.* confirmed=([0-9]+).*/\1/' <<<"$line")"
  done
}
