#!/usr/bin/env python3
"""Checks a passing run three ways against the truth audit_truth.py derived from the audit log.

    check_run.py --truth truth.json --report validation-report.json --dsn DSN \
                 --topic TOPIC --sink-connector NAME --runner-log ingest.log

1. The validator's JSON report: verdict PASS, no discrepancy in any category, and every count
   equal to the truth's (not the other way round: the truth is derived independently).
2. PostgreSQL, asked directly with psql: row counts, invalid rows, late rows, revised rows,
   deletions, no row for a deleted event, the sink's stored offsets at the end of every partition,
   and a checksum over every row's fields that must equal the truth's.
3. The sink's own counters (its closing log line), counted per record as if applied one by one.

Prints one line per comparison; exits 1 naming every mismatch.
"""
import argparse
import json
import re
import subprocess
import sys

# Field by field, the text audit_truth.row_hash() hashes; timestamps as microseconds since the epoch
# (extract(epoch) is numeric since PostgreSQL 14: exact).
ROW_DIGEST_SQL = """
SELECT count(*), coalesce(sum(('x' || substr(md5(concat_ws('|',
         event_id::text, user_id, event_type,
         (extract(epoch FROM event_time) * 1000000)::bigint,
         (extract(epoch FROM received_time) * 1000000)::bigint,
         is_valid::text, revision, kafka_partition, kafka_offset)), 1, 15))::bit(60)::bigint), 0)
FROM events
"""

TABLE_SQL = {
    "rows": "SELECT count(*) FROM events",
    "invalid rows": "SELECT count(*) FROM events WHERE NOT is_valid",
    "late rows": "SELECT count(*) FROM events "
                 "WHERE received_time - event_time > make_interval(secs => :'late_ms'::int / 1000.0)",
    "revised rows": "SELECT count(*) FROM events WHERE revision > 0",
    "deletions": "SELECT count(*) FROM events_deletions",
    "rows of deleted events": "SELECT count(*) FROM events JOIN events_deletions USING (event_id)",
}

OFFSETS_SQL = ("SELECT kafka_partition, next_offset FROM ingest_offsets "
               "WHERE connector = :'connector' AND topic = :'topic' AND next_offset IS NOT NULL ORDER BY 1")


class Checks:
    def __init__(self):
        self.failures = []

    def equal(self, what, actual, expected):
        ok = actual == expected
        print(f"  {'ok  ' if ok else 'FAIL'} {what}: {actual}" + ("" if ok else f" (expected {expected})"))
        if not ok:
            self.failures.append(f"{what}: got {actual}, expected {expected}")


def psql(dsn, sql, **variables):
    """Rows of one query, as lists of text; values travel as psql variables, quoted by psql."""
    command = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", dsn]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    done = subprocess.run(command, input=sql, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"psql failed on {sql.strip()!r}: {done.stderr.strip()}")
    return [line.split("\t") for line in done.stdout.splitlines()]


def check_report(checks, truth, report):
    counts = report["counts"]
    print(f"validator report ({report['summary']}):")
    checks.equal("verdict", report["verdict"], "PASS")
    expected = {
        "records": truth["records"], "failed": truth["failed"], "events": truth["events"],
        "expected": truth["expected_rows"], "present": truth["expected_rows"],
        "invalidated": truth["invalidated"], "deleted": truth["deleted"], "late": truth["late"],
        "late_rows": truth["late_rows"], "duplicates": truth["duplicates"],
        "malformed": truth["malformed"], "dead_letters": truth["malformed"],
        "table_rows": truth["expected_rows"], "deletion_rows": truth["deleted"],
        "topic_records": truth["records"],
    }
    for name, value in expected.items():
        checks.equal(f"report counts.{name}", counts[name], value)
    for name, finding in report["discrepancies"].items():
        checks.equal(f"report discrepancies.{name}", finding["count"], 0)
    metrics = report["metrics"]
    checks.equal("report metrics.total_events", metrics["total_events"], truth["records"])
    checks.equal("report metrics.ingestion_success", metrics["ingestion_success"], 1.0)


def check_database(checks, truth, dsn, topic, sink_connector):
    print("PostgreSQL (psql):")
    late_ms = truth["late_threshold_ms"]
    actual = {what: int(psql(dsn, sql, late_ms=late_ms)[0][0]) for what, sql in TABLE_SQL.items()}
    expected = {"rows": truth["expected_rows"], "invalid rows": truth["invalidated"],
                "late rows": truth["late_rows"], "revised rows": truth["revised_rows"],
                "deletions": truth["deleted"], "rows of deleted events": 0}
    for what in TABLE_SQL:
        checks.equal(f"table {what}", actual[what], expected[what])
    rows, digest = psql(dsn, ROW_DIGEST_SQL)[0]
    checks.equal("table checksum of every row's fields", digest, truth["row_digest"])
    stored = {partition: int(next_offset)
              for partition, next_offset in psql(dsn, OFFSETS_SQL, connector=sink_connector, topic=topic)}
    # Partitions that never got a record may have no row, or a row at offset 0.
    stored = {partition: offset for partition, offset in stored.items()
              if offset != 0 or partition in truth["partition_ends"]}
    checks.equal("sink's stored next offsets per partition", stored, truth["partition_ends"])


def check_sink_counters(checks, truth, runner_log):
    print("sink counters (its closing log line):")
    lines = [line for line in open(runner_log, encoding="utf-8", errors="replace")
             if "sink_postgres stopping:" in line]
    checks.equal("sink closing lines", len(lines), 1)
    if not lines:
        return
    counter = {name: float(value) for name, value in re.findall(r"(\w+)=([0-9.]+)", lines[0])}
    checks.equal("sink records", counter["records"], truth["records"])
    checks.equal("sink dead_letters", counter["dead_letters"], truth["malformed"])
    checks.equal("sink late", counter["late"], truth["late"])
    checks.equal("sink deleted", counter["deleted"], truth["deleted"])
    checks.equal("sink duplicates + suppressed_after_delete",
                 counter["duplicates"] + counter["suppressed_after_delete"], truth["duplicates"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--sink-connector", required=True)
    parser.add_argument("--runner-log", required=True)
    args = parser.parse_args()
    with open(args.truth, encoding="utf-8") as file:
        truth = json.load(file)
    with open(args.report, encoding="utf-8") as file:
        report = json.load(file)

    checks = Checks()
    check_report(checks, truth, report)
    check_database(checks, truth, args.dsn, args.topic, args.sink_connector)
    check_sink_counters(checks, truth, args.runner_log)
    for failure in checks.failures:
        print(f"MISMATCH {failure}", file=sys.stderr)
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
