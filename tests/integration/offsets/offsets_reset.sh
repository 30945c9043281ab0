#!/usr/bin/env bash
# KIP-875 offsets of sink_postgres, which stores them in its own table, on the real broker and
# PostgreSQL: the shipped pipeline runs to a PASS; the sink is stopped; `ingest connectors offsets`
# shows what its table stores (summing to the topic's end offsets); PATCH and DELETE are refused
# while it runs; a PATCH moves one partition, a DELETE forgets all; started again, the sink
# re-ingests the whole topic (every record now a duplicate, the table unchanged), and a restarted
# validator PASSes again.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

export INGEST_EVENTS=20000
fresh_work_dir
require_runner
sink=user-events-postgres validator=user-events-validator
db_dsn=$(fresh_database "$(service_file postgres/dsn)" it_offsets_reset)
export INGEST_PG_DSN=$db_dsn
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
bootstrap=$(service_file kafka/bootstrap)
# The shipped connectors with a topic of this test's own (the broker is shared with other tests).
topic=it-offsets-reset
mkdir -p connectors
for file in "$CONNECTORS_DIR"/*.json; do
  sed -E "s/\"(topics?|source\.topic)\": \"user-events/\"\1\": \"$topic/; s/user-events\.dlq/$topic.dlq/g" "$file" \
    >"connectors/${file##*/}"
done
grep -q "\"topics\": \"$topic\"" connectors/user-events-postgres.json || fail "the sink's copy does not read $topic"

log=$INGEST_TEST_WORK/ingest.log
"$INGEST_BIN" run --connectors connectors --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap" \
  >"$log" 2>&1 </dev/null &
runner=$!
test_pids+=("$runner")
wait_until 60 "the worker's REST address" test -s "$INGEST_STATE_DIR/rest" || { show_log "$log"; fail "no REST address"; }
api=http://$(<"$INGEST_STATE_DIR/rest")
token=$(<"$INGEST_STATE_DIR/token")
cli() { "$INGEST_BIN" "$@" --state-dir "$INGEST_STATE_DIR"; }
# curl_status METHOD PATH [BODY]: prints the HTTP status; the body goes to $INGEST_TEST_WORK/body.
curl_status() {
  curl -s -o "$INGEST_TEST_WORK/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' ${3:+--data "$3"} "$api$2"
}
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$db_dsn" -c "$1"; }
report=$INGEST_STATE_DIR/validation-report.json
passed() { [[ -s $report ]] && grep -q '"verdict":"PASS"' "$report"; }
stored_sum() { sql "SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = '$sink'"; }
# The offsets endpoint's sum of kafka_offset values.
api_sum() { curl -s "$api/connectors/$sink/offsets" | python3 -c 'import json,sys; print(sum(o["offset"]["kafka_offset"] for o in json.load(sys.stdin)["offsets"]))'; }

wait_until 240 "the validator's first PASS" passed || { show_log "$log" 60; fail "no PASS before the offsets were touched"; }
end=$(topic_end_offsets "$bootstrap" "$topic")
((end >= INGEST_EVENTS)) || fail "the topic holds $end records, fewer than the $INGEST_EVENTS events"
rows=$(sql "SELECT count(*) FROM events")
checksum=$(sql "SELECT md5(string_agg(event_id::text || user_id || revision || is_valid, ',' ORDER BY event_id)) FROM events")
[[ $(stored_sum) == "$end" ]] || fail "the sink's table stores offsets summing to $(stored_sum), the topic ends at $end"
[[ $(api_sum) == "$end" ]] || fail "GET offsets sums to $(api_sum) while running, the table to $end"
pass "GET /connectors/$sink/offsets shows the table's offsets (sum $end) while it runs"

# Not while it runs; nothing changes.
status=$(curl_status DELETE "/connectors/$sink/offsets")
[[ $status == 400 ]] && grep -q STOPPED "$INGEST_TEST_WORK/body" || fail "DELETE on a running sink answered $status: $(cat "$INGEST_TEST_WORK/body")"
[[ $(stored_sum) == "$end" ]] || fail "a refused DELETE changed the stored offsets"

stopped() { curl -s "$api/connectors/$1/status" | grep -q '"state":"STOPPED"'; }
for connector in "$sink" "$validator"; do
  cli connectors stop "$connector" >/dev/null || fail "ingest connectors stop $connector failed"
  wait_until 30 "$connector to be STOPPED" stopped "$connector" || fail "$connector did not stop"
done

# The validator does not own its offsets: they are its consumer group's, on the broker.
group_offsets() { curl -s "$api/connectors/$validator/offsets" | python3 -c '
import json, sys
for o in json.load(sys.stdin)["offsets"]:
    print(o["partition"]["kafka_topic"], o["partition"]["kafka_partition"], o["offset"]["kafka_offset"])'; }
group_offsets >"$INGEST_TEST_WORK/group.txt"
grep -q "^$topic 0 [1-9]" "$INGEST_TEST_WORK/group.txt" || fail "the validator's group has no offset for $topic-0: $(cat "$INGEST_TEST_WORK/group.txt")"
# Once in CI the first --set right after the stop failed, and once a read right after it showed the
# old offset (cause not established; the group has no member by then): both are given a deadline.
set_validator_offset() { cli connectors offsets "$validator" --set "$topic:0=3" >"$INGEST_TEST_WORK/cli.out" 2>&1; }
wait_until 30 "offsets --set on the validator to succeed" set_validator_offset \
  || fail "offsets --set on the validator failed: $(cat "$INGEST_TEST_WORK/cli.out")"
group_offset_is_3() { group_offsets 2>/dev/null | grep -qx "$topic 0 3"; }
wait_until 30 "the validator's group offset of $topic-0 to read 3" group_offset_is_3 \
  || fail "the validator's group offset of $topic-0 is not 3: $(group_offsets)"
cli connectors offsets "$validator" --forget "$topic:0" >"$INGEST_TEST_WORK/cli.out" 2>&1 || fail "offsets --forget on the validator failed: $(cat "$INGEST_TEST_WORK/cli.out")"
group_forgot() { group_offsets >"$INGEST_TEST_WORK/group.txt" 2>/dev/null && ! grep -q "^$topic 0 " "$INGEST_TEST_WORK/group.txt"; }
wait_until 30 "the validator's group to forget $topic-0" group_forgot \
  || fail "the validator's group still has $topic-0: $(group_offsets)"
cli connectors offsets "$validator" --reset >"$INGEST_TEST_WORK/cli.out" 2>&1 || fail "offsets --reset on the validator failed: $(cat "$INGEST_TEST_WORK/cli.out")"
group_empty() { local listed; listed=$(group_offsets 2>/dev/null) && [[ -z $listed ]]; }
wait_until 30 "the validator's group to hold no offsets" group_empty \
  || fail "the validator's group keeps offsets after the reset: $(group_offsets)"
pass "the validator's consumer-group offsets were listed, set, forgotten and reset on the broker"
cli connectors offsets "$sink" >"$INGEST_TEST_WORK/offsets.txt" || fail "ingest connectors offsets failed"
grep -q "$topic" "$INGEST_TEST_WORK/offsets.txt" || fail "ingest connectors offsets does not list $topic: $(cat "$INGEST_TEST_WORK/offsets.txt")"

# PATCH: one partition to 10, then checked in the table itself.
status=$(curl_status PATCH "/connectors/$sink/offsets" \
  "{\"offsets\": [{\"partition\": {\"kafka_topic\": \"$topic\", \"kafka_partition\": 0}, \"offset\": {\"kafka_offset\": 10}}]}")
[[ $status == 200 ]] || fail "PATCH answered $status: $(cat "$INGEST_TEST_WORK/body")"
[[ $(sql "SELECT next_offset FROM ingest_offsets WHERE connector = '$sink' AND topic = '$topic' AND kafka_partition = 0") == 10 ]] \
  || fail "PATCH did not store offset 10 for partition 0"
pass "PATCH stored offset 10 for $topic-0 in the sink's table"

# DELETE (through the CLI): nothing stored any more.
cli connectors offsets "$sink" --reset >/dev/null || fail "ingest connectors offsets --reset failed"
[[ $(sql "SELECT count(*) FROM ingest_offsets WHERE connector = '$sink'") == 0 ]] || fail "offsets remain after the reset"
[[ $(api_sum) == 0 ]] || fail "GET offsets after the reset sums to $(api_sum)"
pass "the reset forgot every stored offset"

# Started again: the whole topic once more, every record a duplicate or already deleted.
duplicates_before=$(curl -s "$api/metrics" | awk -v s="$sink" '$1 ~ /^ingest_plugin_sink_postgres_duplicates_total/ && index($1, "connector=\"" s "\"") {n += $2} END {print n + 0}')
cli connectors resume "$sink" >/dev/null || fail "ingest connectors resume failed"
wait_until 240 "the sink to store the end offsets again" bash -c "[[ \$(psql -X -q -t -A -d '$db_dsn' -c \"SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets WHERE connector = '$sink'\") == $end ]]" \
  || { show_log "$log" 40; fail "the sink did not re-ingest the topic"; }
duplicates_after=$(curl -s "$api/metrics" | awk -v s="$sink" '$1 ~ /^ingest_plugin_sink_postgres_duplicates_total/ && index($1, "connector=\"" s "\"") {n += $2} END {print n + 0}')
((duplicates_after - duplicates_before >= INGEST_EVENTS / 2)) \
  || fail "the re-ingest counted only $((duplicates_after - duplicates_before)) duplicates: the records were not read again"
[[ $(sql "SELECT count(*) FROM events") == "$rows" ]] || fail "the re-ingest changed the row count"
[[ $(sql "SELECT md5(string_agg(event_id::text || user_id || revision || is_valid, ',' ORDER BY event_id)) FROM events") == "$checksum" ]] \
  || fail "the re-ingest changed the table"
pass "the re-ingest read the topic again ($((duplicates_after - duplicates_before)) duplicates) and left the table as it was"

# A fresh verdict on the re-ingested table, from the validator started again with no offsets.
rm -f "$report"
cli connectors start "$validator" >/dev/null || fail "starting the validator failed"
wait_until 240 "the validator's PASS after the re-ingest" passed || { show_log "$log" 60; fail "no PASS after the re-ingest"; }
pass "the validator PASSes after the offsets reset and re-ingest"

kill -TERM "$runner"
wait_until 60 "the worker to exit" not pid_alive "$runner" || fail "the worker did not stop"
