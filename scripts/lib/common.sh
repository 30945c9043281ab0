# shellcheck shell=bash
# Shared helpers for the project's scripts. Source it; it sets no shell options of its own, so it works
# under `set -euo pipefail` and without it.

INGEST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The Kafka broker version the private broker runs (DESIGN.md §5: the 3.9 line is the safe default
# for librdkafka 2.0.2; see docs/services.md for 4.x).
KAFKA_VERSION_DEFAULT=3.9.1
# Where everything fetched or built by scripts lives; all of it is git-ignored.
INGEST_CACHE_DIR=${INGEST_CACHE_DIR:-$INGEST_ROOT/.cache}
INGEST_RUN_DIR=${INGEST_RUN_DIR:-$INGEST_ROOT/.run}
INGEST_BUILD_DIR=${INGEST_BUILD_DIR:-$INGEST_ROOT/build}
# How long a service may take to come up or go down. A JVM on a busy 2-core machine needs its time.
INGEST_SERVICE_TIMEOUT=${INGEST_SERVICE_TIMEOUT:-120}

# The one list of Debian 12 packages the project needs.
INGEST_PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config
  # (Boost.JSON is not part of libboost1.81-all-dev on Debian 12)
  librdkafka-dev libpq-dev libboost1.81-all-dev libboost-json1.81-dev libsimdjson-dev libvalijson-dev
  prometheus-cpp-dev libcpp-httplib-dev
  libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (scripts/fuzz, tests/fuzz): clang, its libFuzzer and sanitizer runtimes, llvm-symbolizer
  clang-14 libclang-rt-14-dev llvm-14
  # services
  postgresql-15 openjdk-17-jre-headless maven
  # tools: kcat (Kafka client checks), prometheus (promtool), python3 (independent checks in tests),
  # jq and GNU time (scripts/bench's --out file and the runner's peak memory)
  kcat prometheus python3 jq time
)

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo -- "$@"
  else
    die "need root for: $* (run as root or install sudo)"
  fi
}

ensure_packages() {
  local pkg missing=()
  for pkg in "${INGEST_PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  say "installing missing packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" </dev/null
}

kafka_home() { printf '%s/kafka/%s\n' "$INGEST_CACHE_DIR" "${1:-$KAFKA_VERSION_DEFAULT}"; }

# Fetches Apache Kafka's broker jars (org.apache.kafka:kafka_2.13 and everything it needs at run time)
# into $(kafka_home V)/libs. libs/ appears only once complete, and next to it the pom it came from:
# an interrupted fetch or a changed pom fetches again.
ensure_kafka_jars() {
  local version=${1:-$KAFKA_VERSION_DEFAULT}
  local home pom=$INGEST_ROOT/scripts/lib/kafka/pom.xml
  home=$(kafka_home "$version")
  [[ -d $home/libs ]] && cmp -s "$pom" "$home/pom.xml" && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is not installed; run ensure_packages first"
  say "fetching Apache Kafka $version broker jars with Maven into $home/libs"
  mkdir -p "$home"
  rm -rf "$home/libs" "$home/libs.partial"
  # Maven runs on a copy in the cache so that its target/ never lands in the source tree.
  cp "$pom" "$home/pom.xml"
  if ! (cd "$home" && mvn -B -q -Dstyle.color=never -Dkafka.version="$version" dependency:copy-dependencies \
          -DincludeScope=runtime -DoutputDirectory="$home/libs.partial" </dev/null >"$home/mvn.log" 2>&1)
  then
    rm -f "$home/pom.xml"
    # Maven's first error line names what could not be resolved and why.
    sed 's/\x1b\[[0-9;]*m//g' "$home/mvn.log" | grep -m 1 '^\[ERROR\] .' >&2 || tail -n 20 "$home/mvn.log" >&2
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$version (full log: $home/mvn.log);" \
        "the embedded broker (scripts/demo --embedded-broker) works without it"
  fi
  mv "$home/libs.partial" "$home/libs"
}

# Configures the build tree once with Ninja, then builds; a second call only rebuilds what changed.
build() {
  if [[ ! -f $INGEST_BUILD_DIR/CMakeCache.txt ]]; then
    cmake -S "$INGEST_ROOT" -B "$INGEST_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${INGEST_BUILD_TYPE:-Release}"
  fi
  cmake --build "$INGEST_BUILD_DIR" -j "${INGEST_BUILD_JOBS:-2}"
}

# A TCP port with no listener on 127.0.0.1, picked below the kernel's ephemeral range so that outgoing
# connections do not take it meanwhile. Whoever binds it still checks that the bind worked.
free_port() {
  local low high port attempt
  read -r low high </proc/sys/net/ipv4/ip_local_port_range
  ((low > 20000)) || die "ephemeral port range starts at $low; cannot pick a private port below it"
  for attempt in {1..100}; do
    port=$((20000 + RANDOM % (low - 20000)))
    port_is_free "$port" && { echo "$port"; return 0; }
  done
  die "no free TCP port found after $attempt attempts"
}

# Services keep their port across restarts, so that clients holding the old address reconnect. A
# process killed a moment ago may still hold it while it dies: wait for it (INGEST_PORT_RELEASE_WAIT
# seconds, default 20) before moving to a new port, and say so when moving.
reuse_or_free_port() {
  local port=${1:-} deadline=$((SECONDS + ${INGEST_PORT_RELEASE_WAIT:-20}))
  if [[ -n $port ]]; then
    until port_is_free "$port"; do
      if ((SECONDS >= deadline)); then
        say "warning: port $port is still taken; moving to another port (clients of the old address must be told)"
        free_port
        return 0
      fi
      sleep 0.2
    done
    echo "$port"
    return 0
  fi
  free_port
}

port_is_free() { ! port_is_open "$1"; }

port_is_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True while the process lives. Zombies count as dead: the container's init may never reap them.
pid_alive() {
  local pid=$1 state
  [[ -n $pid ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# Reads a pid file and prints the pid when that process still runs the expected command line.
pid_from_file() {
  local file=$1 marker=$2 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  echo "$pid"
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails naming WHAT at the deadline.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || { say "timed out after ${seconds}s waiting for $what"; return 1; }
    sleep 0.2
  done
}

# Stops a process: SIGTERM, then SIGKILL if it is still there at the deadline.
stop_pid() {
  local pid=$1 what=$2
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! wait_until "$INGEST_SERVICE_TIMEOUT" "$what to exit" not pid_alive "$pid"; then
    say "$what (pid $pid) ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 10 "$what to die" not pid_alive "$pid"
  fi
}

not() { ! "$@"; }

# Usage errors exit 2, like the runner's.
usage_error() { say "$*"; exit 2; }

# dsn_with_dbname DSN NAME: the same connection with another database; DSN is a URI
# (postgresql://user@host:port/db?opts) or a keyword string (host=... dbname=...).
dsn_with_dbname() {
  local dsn=$1 name=$2
  if [[ $dsn =~ ^postgres(ql)?:// ]]; then
    local scheme=${dsn%%://*} rest=${dsn#*://} query=
    if [[ $rest == *\?* ]]; then query=?${rest#*\?}; rest=${rest%%\?*}; fi
    echo "$scheme://${rest%%/*}/$name$query"
  else
    echo "$(sed -E "s/(^|[[:space:]])dbname=('[^']*'|[^[:space:]]*)//" <<<"$dsn") dbname=$name"
  fi
}

# fresh_database DSN NAME: drops database NAME (disconnecting its sessions) and creates it empty, through
# the server DSN points at; prints the DSN of the new database. NAME is one of ours: [a-z0-9_] only.
fresh_database() {
  local dsn=$1 name=$2
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "fresh_database: '$name' is not a plain database name"
  PGOPTIONS=--client-min-messages=warning psql -X -q -v ON_ERROR_STOP=1 -d "$dsn" \
    -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >&2 \
    || die "cannot create a fresh database '$name' through $(dsn_masked "$dsn")"
  dsn_with_dbname "$dsn" "$name"
}

# A DSN fit for messages: its password, if any, replaced.
dsn_masked() { sed -E 's/(:\/\/[^:@/]*:)[^@]*@/\1***@/; s/(password=)('"'"'[^'"'"']*'"'"'|[^[:space:]]*)/\1***/' <<<"$1"; }

# partition_end_offsets BOOTSTRAP TOPIC: one line "PARTITION END_OFFSET" (high watermark) per partition.
partition_end_offsets() {
  local bootstrap=$1 topic=$2 partitions p
  partitions=$(kcat -L -b "$bootstrap" -t "$topic" -m 10 2>/dev/null \
    | sed -n "s/^ *topic \"$topic\" with \([0-9]*\) partitions.*/\1/p") || true
  [[ $partitions =~ ^[1-9][0-9]*$ ]] || { say "topic $topic not found on $bootstrap"; return 1; }
  local -a args=()
  for ((p = 0; p < partitions; p++)); do args+=(-t "$topic:$p:-1"); done
  kcat -Q -b "$bootstrap" -m 10 "${args[@]}" | awk -v want="$partitions" \
    '$3 == "offset" { gsub(/[][]/, "", $2); lines = lines $2 " " $4 "\n"; n++ } END { if (n != want) exit 1; printf "%s", lines }' \
    || { say "cannot read the end offsets of $topic on $bootstrap"; return 1; }
}

# topic_end_offsets BOOTSTRAP TOPIC: the sum of the topic's end offsets over all its partitions; on a
# fresh topic written without transactions, the number of records it holds.
topic_end_offsets() {
  local lines
  lines=$(partition_end_offsets "$@") || return 1
  awk '{ sum += $2 } END { print sum }' <<<"$lines"
}
