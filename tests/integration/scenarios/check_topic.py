#!/usr/bin/env python3
"""The topic matches the simulator's audit log one to one, read back with kcat.

    check_topic.py --audit AUDIT_LOG --bootstrap HOST:PORT --topic TOPIC

Every confirmed audit line is in the topic at its logged partition and offset with the same key and
value (a tombstone: no value), and the topic holds nothing else: each partition runs from offset 0
to its high watermark, and every record there is accounted for by exactly one confirmed line.
Prints what it compared; exits 1 naming the first mismatches.
"""
import argparse
import json
import sys
from collections import Counter

from kcat_topic import records, watermarks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audit", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()

    problems = []
    expected = {}  # (partition, offset) -> (key, value, seq, intent)
    intents, failed, complete = Counter(), 0, False
    with open(args.audit, encoding="utf-8") as log:
        for line in log:
            entry = json.loads(line)
            if entry.get("complete"):
                complete = True
                continue
            if entry["status"] != "confirmed":
                failed += 1
                continue
            position = (entry["partition"], entry["offset"])
            if position in expected:
                problems.append(f"audit seq {entry['seq']} and seq {expected[position][2]} "
                                f"both claim partition {position[0]} offset {position[1]}")
            expected[position] = (entry["key"], entry["value"], entry["seq"], entry["intent"])
            intents[entry["intent"]] += 1
    if not complete:
        problems.append("the audit log has no completion line")

    carried = records(args.bootstrap, args.topic)
    seen = set()
    for record in carried:
        position = (record["partition"], record["offset"])
        where = f"partition {position[0]} offset {position[1]}"
        if position in seen:
            problems.append(f"{where}: read twice")
        seen.add(position)
        if position not in expected:
            problems.append(f"{where}: in the topic, but no confirmed audit line names it")
            continue
        key, value, seq, intent = expected[position]
        if record["key"] != key:
            problems.append(f"{where}: key {record['key']!r}, audit seq {seq} says {key!r}")
        if record["payload"] != value:
            problems.append(f"{where}: value {record['payload']!r:.80}, audit seq {seq} ({intent}) "
                            f"says {value!r:.80}")
    for position in sorted(set(expected) - seen):
        problems.append(f"partition {position[0]} offset {position[1]}: audit seq "
                        f"{expected[position][2]} is confirmed there, but the topic does not hold it")

    marks = watermarks(args.bootstrap, args.topic)
    per_partition = Counter(partition for partition, _ in expected)
    for partition, (low, high) in sorted(marks.items()):
        if low != 0 or high != per_partition[partition]:
            problems.append(f"partition {partition}: watermarks [{low}, {high}), the audit log "
                            f"confirms {per_partition[partition]} records there")
    tombstones = sum(1 for record in carried if record["payload"] is None)

    print(f"audit log: {len(expected)} confirmed lines ({dict(intents)}), {failed} failed")
    print(f"topic {args.topic}: {len(carried)} records ({tombstones} tombstones) in "
          f"{len(marks)} partitions, watermarks {dict(sorted(marks.items()))}")
    for problem in problems[:20]:
        print(f"MISMATCH {problem}", file=sys.stderr)
    if len(problems) > 20:
        print(f"... and {len(problems) - 20} more", file=sys.stderr)
    if not problems:
        print("one to one: every confirmed line is in the topic at its partition/offset with the "
              "same key and value, and the topic holds nothing else")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
