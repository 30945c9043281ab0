#!/usr/bin/env bash
# The herder on the private real broker and PostgreSQL (herder_operations_test.cpp): one connector of
# three is paused, stopped, resumed and restarted while the other two keep making progress, and the
# validators pass at the end.
#
#   herder_operations.sh TEST_BINARY [gtest args...]
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

binary=${1:?the test binary}
shift
fresh_work_dir
INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" it_herder_operations)
INGEST_BOOTSTRAP=$(service_file kafka/bootstrap)
export INGEST_PG_DSN INGEST_BOOTSTRAP
"$binary" "$@"
