#!/usr/bin/env bash
# CTest fixture for a private service: service_fixture.sh kafka|postgres setup|cleanup DIR
# Kafka starts on an empty log directory each time, so every ctest run sees fresh topics and groups.
# PostgreSQL keeps its cluster between runs: each test creates its own database.
set -euo pipefail
scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)
(($# == 3)) || { echo "usage: $0 kafka|postgres setup|cleanup DIR" >&2; exit 2; }
service=$1 action=$2 dir=$3
case $service:$action in
  kafka:setup)
    "$scripts/kafka" stop --dir "$dir"
    rm -rf "$dir"
    "$scripts/kafka" start --dir "$dir" ;;
  postgres:setup) "$scripts/postgres" start --dir "$dir" ;;
  kafka:cleanup | postgres:cleanup) "$scripts/$service" stop --dir "$dir" ;;
  *) echo "$0: unknown service or action: $service $action" >&2; exit 2 ;;
esac
