#!/usr/bin/env python3
"""Checks a run whose whole pipeline was killed and restarted, as an outside client.

    check_resumed_run.py --audit AUDIT --report REPORT --dsn DSN --bootstrap HOST:PORT \
        --topic TOPIC --dlq DLQ --sink-connector NAME --events N [--expect-copies]

It shares no code with the simulator, the sink or the validator (it reads the data contract with
scenarios/audit_truth.py, and the topics with kcat), and checks:

1. The audit log is one stream: exactly one line per seq 0..N-1, then the completion line, whose
   totals agree; nothing failed.
2. The topic: every confirmed line's record at its partition/offset, byte for byte; every other
   record a byte-identical copy of a confirmed record of the same partition (a record the source
   sent again after a restart because its outcome was unknown). With --expect-copies, at least one.
3. The table, row by row, equals the state derived in Kafka order from everything the topic holds
   (copies included): fields, and the provenance partition/offset of the earliest record identical
   to the deciding one; the deletions table holds exactly the deleted events; the sink's stored
   offsets are the topic's end offsets.
4. Every malformed record (copies too) has a dead letter naming its position, and no dead letter
   names any other.
5. The validator's report: PASS, no discrepancy, and every count equal to the truth derived from
   the audit log alone (audit_truth.py), copies as found in 2.

Prints one line per comparison; exits 1 naming every mismatch.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios"))
import audit_truth  # noqa: E402
import kcat_topic  # noqa: E402

ROWS_SQL = """
SELECT event_id::text, user_id, event_type,
       (extract(epoch FROM event_time) * 1000000)::bigint,
       (extract(epoch FROM received_time) * 1000000)::bigint,
       is_valid::text, revision, kafka_partition, kafka_offset
FROM events
"""


class Checks:
    def __init__(self):
        self.failures = []

    def equal(self, what, actual, expected):
        ok = actual == expected
        print(f"  {'ok  ' if ok else 'FAIL'} {what}: {actual}" + ("" if ok else f" (expected {expected})"))
        if not ok:
            self.failures.append(f"{what}: got {actual}, expected {expected}")

    def true(self, what, ok, detail=""):
        print(f"  {'ok  ' if ok else 'FAIL'} {what}" + ("" if ok or not detail else f": {detail}"))
        if not ok:
            self.failures.append(what + (f": {detail}" if detail else ""))


def psql(dsn, sql, **variables):
    command = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", dsn]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    done = subprocess.run(command, input=sql, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"psql failed on {sql.strip()!r}: {done.stderr.strip()}")
    return [line.split("\t") for line in done.stdout.splitlines()]


def check_audit_log(checks, path, events):
    print(f"audit log {path}:")
    seqs, completion, records = Counter(), None, {}
    with open(path, encoding="utf-8") as log:
        for line in log:
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry.get("complete") is True:
                completion = entry["totals"]
                continue
            seqs[entry["seq"]] += 1
            if entry["status"] == "confirmed":
                records[(entry["partition"], entry["offset"])] = (entry["key"], entry["value"], entry["seq"])
    repeated = sorted(seq for seq, count in seqs.items() if count > 1)
    missing = sorted(set(range(events)) - set(seqs))
    outside = sorted(seq for seq in seqs if not 0 <= seq < events)
    checks.true("a completion line", completion is not None)
    checks.true(f"one line per seq 0..{events - 1}", not repeated and not missing and not outside,
                f"repeated {repeated[:5]}, missing {missing[:5]}, outside {outside[:5]}")
    if completion:
        checks.equal("completion records", completion["records"], events)
        checks.equal("completion confirmed", completion["confirmed"], len(records))
        checks.equal("completion failed", completion["failed"], 0)
    return records


def check_topic(checks, confirmed, topic_records, expect_copies):
    print(f"topic ({len(topic_records)} records):")
    by_partition = {}
    for (partition, _offset), (key, value, _seq) in confirmed.items():
        by_partition.setdefault(partition, set()).add((key, value))
    found, copies, strangers = 0, [], []
    for record in topic_records:
        position = (record["partition"], record["offset"])
        content = (record["key"], record["payload"])
        line = confirmed.get(position)
        if line is not None:
            found += 1
            if (line[0], line[1]) != content:
                strangers.append(f"{position}: other bytes than audit seq {line[2]}")
        elif content in by_partition.get(record["partition"], ()):
            copies.append(record)
        else:
            strangers.append(f"{position}: no confirmed line, and no copy of one")
    checks.equal("confirmed lines found at their position", found, len(confirmed))
    checks.true("every other record is an identical copy of a confirmed one", not strangers,
                "; ".join(strangers[:5]))
    print(f"  ..   {len(copies)} identical copies (records sent again after a restart)")
    if expect_copies:
        checks.true("the kills left copies to judge", len(copies) > 0,
                    "none: the test did not exercise the copy rule")
    return len(copies)


def derive_with_copies(topic_records):
    """State per event_id from every record in the topic, in Kafka order."""
    state, malformed = {}, []
    for record in sorted(topic_records, key=lambda r: (r["partition"], r["offset"])):
        kind = audit_truth.classify(record["key"], record["payload"])
        position = (record["partition"], record["offset"])
        if kind[0] == "malformed":
            malformed.append(position)
            continue
        current = state.get(kind[1])
        if kind[0] == "tombstone":
            if not (current and current[0]):
                state[kind[1]] = (True, None, position)
            continue
        if current and (current[0] or kind[2][5] <= current[1][5]):
            continue
        state[kind[1]] = (False, kind[2], position)
    return state, malformed


def check_table(checks, state, dsn, topic, sink_connector, watermarks):
    print("PostgreSQL (psql):")
    expected = {event_id: (fields, position) for event_id, (deleted, fields, position) in state.items()
                if not deleted}
    actual = {}
    for event_id, user_id, event_type, event_time, received_time, is_valid, revision, partition, offset in \
            psql(dsn, ROWS_SQL):
        fields = (user_id, event_type, int(event_time), int(received_time), is_valid == "true", int(revision))
        actual[event_id] = (fields, (int(partition), int(offset)))
    checks.equal("table rows", len(actual), len(expected))
    wrong = [event_id for event_id in expected if actual.get(event_id) != expected[event_id]]
    extra = [event_id for event_id in actual if event_id not in expected]
    checks.true("every row's fields and provenance as derived from the topic (copies included)",
                not wrong and not extra,
                "; ".join([f"{e}: {actual.get(e)} != {expected[e]}" for e in wrong[:3]] +
                          [f"{e}: unexpected row" for e in extra[:3]]))
    deleted = {event_id for event_id, (is_deleted, _, _) in state.items() if is_deleted}
    stored = {row[0] for row in psql(dsn, "SELECT event_id::text FROM events_deletions")}
    checks.equal("deletions table == deleted events", len(stored ^ deleted), 0)
    offsets = {int(p): int(o) for p, o in psql(
        dsn, "SELECT kafka_partition, next_offset FROM ingest_offsets WHERE connector = :'c' AND topic = :'t'"
        " AND next_offset IS NOT NULL",
        c=sink_connector, t=topic)}
    ends = {partition: high for partition, (_low, high) in watermarks.items() if high > 0}
    checks.equal("sink's stored next offsets == the topic's end offsets",
                 {p: o for p, o in offsets.items() if o != 0 or p in ends}, ends)


def check_dead_letters(checks, malformed, dead_letters):
    print(f"dead-letter topic ({len(dead_letters)} records):")
    named = set()
    for record in dead_letters:
        headers = record.get("headers") or []
        values = dict(zip(headers[0::2], headers[1::2]))
        named.add((int(values.get("__connect.errors.partition", -1)), int(values.get("__connect.errors.offset", -1))))
    checks.true("every malformed record (copies too) is dead-lettered",
                set(malformed) <= named, f"missing for {sorted(set(malformed) - named)[:5]}")
    checks.true("no dead letter for anything else", named <= set(malformed),
                f"extra for {sorted(named - set(malformed))[:5]}")


def check_report(checks, truth, report, copies):
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
        "topic_records": truth["records"] + copies, "copies": copies,
    }
    for name, value in expected.items():
        checks.equal(f"report counts.{name}", counts.get(name), value)
    for name, finding in report["discrepancies"].items():
        checks.equal(f"report discrepancies.{name}", finding["count"], 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--audit", "--report", "--dsn", "--bootstrap", "--topic", "--dlq", "--sink-connector"):
        parser.add_argument(name, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--expect-copies", action="store_true")
    args = parser.parse_args()

    checks = Checks()
    confirmed = check_audit_log(checks, args.audit, args.events)
    truth, problems = audit_truth.derive(args.audit, 30_000 * 1000)
    checks.true("the audit log agrees with itself (audit_truth.py)", not problems, "; ".join(problems[:5]))
    topic_records = kcat_topic.records(args.bootstrap, args.topic)
    copies = check_topic(checks, confirmed, topic_records, args.expect_copies)
    state, malformed = derive_with_copies(topic_records)
    check_table(checks, state, args.dsn, args.topic, args.sink_connector,
                kcat_topic.watermarks(args.bootstrap, args.topic))
    check_dead_letters(checks, malformed, kcat_topic.records(args.bootstrap, args.dlq) if malformed else [])
    with open(args.report, encoding="utf-8") as file:
        check_report(checks, truth, json.load(file), copies)
    if checks.failures:
        print("MISMATCH: " + "; ".join(checks.failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
