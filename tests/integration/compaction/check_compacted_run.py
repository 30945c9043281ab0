#!/usr/bin/env python3
"""Checks a passing run on a compacted topic against the truth audit_truth.py derived from the audit log.

    check_compacted_run.py --truth truth.json --report validation-report.json --dsn DSN \
                           --topic TOPIC --sink-connector NAME

As scenarios/check_run.py (whose checks of PostgreSQL it reuses: row counts, a checksum over every
row's fields, deletions, stored offsets at the end of every partition), except for what compaction
changes: the validator read fewer records than the audit log confirms, and every one it did not
read must be counted as compacted (topic_records + compacted = records, compacted > 0). The sink's
counters are not compared: it counts the records it read, which compaction decides.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios"))
from check_run import Checks, check_database  # noqa: E402


def check_report(checks, truth, report):
    counts = report["counts"]
    print(f"validator report ({report['summary']}):")
    checks.equal("verdict", report["verdict"], "PASS")
    expected = {
        "records": truth["records"], "failed": truth["failed"], "events": truth["events"],
        "expected": truth["expected_rows"], "present": truth["expected_rows"],
        "invalidated": truth["invalidated"], "deleted": truth["deleted"], "late": truth["late"],
        "late_rows": truth["late_rows"], "duplicates": truth["duplicates"],
        "malformed": truth["malformed"], "table_rows": truth["expected_rows"], "copies": 0,
    }
    for name, value in expected.items():
        checks.equal(f"report counts.{name}", counts[name], value)
    checks.equal("report counts.topic_records + counts.compacted",
                 counts["topic_records"] + counts["compacted"], truth["records"])
    checks.equal("report counts.compacted > 0", counts["compacted"] > 0, True)
    # A malformed record (its key used once) is never compacted away: each is dead-lettered.
    checks.equal("report counts.dead_letters", counts["dead_letters"], truth["malformed"])
    # The sink may have seen a deletion or not; it records at most the truth's.
    checks.equal("report counts.deletion_rows <= deleted", counts["deletion_rows"] <= truth["deleted"], True)
    for name, finding in report["discrepancies"].items():
        checks.equal(f"report discrepancies.{name}", finding["count"], 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--sink-connector", required=True)
    args = parser.parse_args()
    with open(args.truth, encoding="utf-8") as file:
        truth = json.load(file)
    with open(args.report, encoding="utf-8") as file:
        report = json.load(file)
    checks = Checks()
    check_report(checks, truth, report)
    # A deletion whose tombstone the cleaner removed (delete.retention.ms) before the sink came to
    # it, with everything of its key, is in no deletions table; the validator judged each one
    # (deletions_missing is 0 only where compaction explains it), so the table holds what it read.
    # The rows must still be the truth's exactly (count and checksum): nothing resurrected.
    gone = truth["deleted"] - report["counts"]["deletion_rows"]
    print(f"deletions whose tombstone the sink never read (removed by the cleaner): {gone}")
    check_database(checks, dict(truth, deleted=report["counts"]["deletion_rows"]), args.dsn, args.topic,
                   args.sink_connector)
    for failure in checks.failures:
        print(f"MISMATCH {failure}", file=sys.stderr)
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
