#!/usr/bin/env python3
"""The dead-letter topic holds exactly the malformed records, read back with kcat.

    check_dead_letters.py --truth truth.json --bootstrap HOST:PORT --dlq TOPIC.dlq \
                          --topic TOPIC --sink-connector NAME

One dead letter per record the audit log confirmed as malformed (truth.json, audit_truth.py), no
other: its Kafka Connect headers name the original topic, partition and offset of such a record and
the sink connector, it carries a reason, and its key and value are the original's bytes.
Exits 1 naming the first mismatches.
"""
import argparse
import json
import sys

from kcat_topic import records, watermarks

ORIGIN_HEADERS = ("__connect.errors.topic", "__connect.errors.partition", "__connect.errors.offset")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--dlq", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--sink-connector", required=True)
    args = parser.parse_args()
    with open(args.truth, encoding="utf-8") as file:
        truth = json.load(file)
    malformed = {(m["partition"], m["offset"]): m for m in truth["malformed_records"]}

    problems = []
    dead_letters = records(args.bootstrap, args.dlq)
    origins = set()
    for letter in dead_letters:
        where = f"{args.dlq} partition {letter['partition']} offset {letter['offset']}"
        names = letter.get("headers") or []
        headers = dict(zip(names[0::2], names[1::2]))
        if any(name not in headers for name in ORIGIN_HEADERS):
            problems.append(f"{where}: headers {sorted(headers)} lack one of {ORIGIN_HEADERS}")
            continue
        if headers["__connect.errors.topic"] != args.topic:
            problems.append(f"{where}: names topic {headers['__connect.errors.topic']}")
        if headers.get("__connect.errors.connector.name") != args.sink_connector:
            problems.append(f"{where}: names connector {headers.get('__connect.errors.connector.name')}")
        if not headers.get("__connect.errors.exception.message"):
            problems.append(f"{where}: no reason in __connect.errors.exception.message")
        origin = (int(headers["__connect.errors.partition"]), int(headers["__connect.errors.offset"]))
        named = f"{where} (from partition {origin[0]} offset {origin[1]})"
        if origin in origins:
            problems.append(f"{named}: a second dead letter for the same record")
        origins.add(origin)
        original = malformed.get(origin)
        if original is None:
            problems.append(f"{named}: the audit log holds no malformed record there")
            continue
        if letter["key"] != original["key"] or letter["payload"] != original["value"]:
            problems.append(f"{named}: key/value differ from the original record's")
    for origin in sorted(set(malformed) - origins):
        problems.append(f"malformed record at partition {origin[0]} offset {origin[1]} has no dead letter")

    end = sum(high - low for low, high in watermarks(args.bootstrap, args.dlq).values())
    if end != len(dead_letters):
        problems.append(f"{args.dlq} watermarks span {end} records, kcat read {len(dead_letters)}")
    print(f"dead-letter topic {args.dlq}: {len(dead_letters)} records; the audit log confirms "
          f"{len(malformed)} malformed records; {len(origins & set(malformed))} matched by their "
          f"__connect.errors.* headers")
    for problem in problems[:20]:
        print(f"MISMATCH {problem}", file=sys.stderr)
    if len(problems) > 20:
        print(f"... and {len(problems) - 20} more", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
