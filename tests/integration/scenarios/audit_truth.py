#!/usr/bin/env python3
"""The truth of a run, derived from the simulator's audit log alone, as an outside client.

    audit_truth.py AUDIT_LOG [--late-threshold-ms 30000] > truth.json

It reads the data contract (DESIGN.md section 3) itself and shares no code with the sink or the
validator, so that a bug in either cannot hide behind the same bug here. Records are applied in
Kafka order (partition, offset): a tombstone deletes an event for good; an event record whose
revision is newer than the expected row replaces (or creates) it; anything else well-formed is a
duplicate; a malformed record belongs in the dead-letter topic.

It also checks the audit log against itself (completion totals, one record per offset, each
intent agreeing with the record's content, every event in one partition) and exits 1 naming every
problem, so that the counts it prints can be trusted as expectations.
"""
import argparse
import calendar
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict

INTENTS = ("create", "duplicate", "correct", "invalidate", "delete", "malformed")
FIELDS = ("event_id", "user_id", "event_type", "event_time", "received_time", "is_valid", "revision")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))")
REVISION_MAX = 2**31 - 1


def timestamp_us(text):
    """Microseconds since the epoch of an RFC 3339 date-time with zone, or None."""
    if not isinstance(text, str):
        return None
    match = RFC3339.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    fraction = int((match.group(7) or "").ljust(6, "0"))
    zone = 0
    if match.group(9):
        zone_hour, zone_minute = int(match.group(10)), int(match.group(11))
        if zone_hour > 23 or zone_minute > 59:
            return None
        zone = (zone_hour * 3600 + zone_minute * 60) * (-1 if match.group(9) == "-" else 1)
    seconds = calendar.timegm((year, month, day, hour, minute, second)) - zone
    return seconds * 1_000_000 + fraction


def canonical_uuid(text):
    return text.lower() if isinstance(text, str) and UUID.fullmatch(text) else None


def reject_duplicate_names(pairs):
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        raise ValueError("a field appears twice")
    return dict(pairs)


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def classify(key, value):
    """('tombstone', id) | ('event', id, fields) | ('malformed', reason)."""
    if key is None:
        return ("malformed", "no key")
    if value is None:
        event_id = canonical_uuid(key)
        return ("tombstone", event_id) if event_id else ("malformed", "tombstone key is not a UUID")
    try:
        record = json.loads(value, object_pairs_hook=reject_duplicate_names,
                            parse_constant=reject_constant)
    except ValueError as error:
        return ("malformed", f"not JSON: {error}")
    if not isinstance(record, dict):
        return ("malformed", "not a JSON object")
    if set(record) != set(FIELDS):
        return ("malformed", f"fields {sorted(record)}")
    event_id = canonical_uuid(record["event_id"])
    if not event_id:
        return ("malformed", "event_id is not a UUID")
    if canonical_uuid(key) != event_id:
        return ("malformed", "key differs from event_id")
    for name in ("user_id", "event_type"):
        text = record[name]
        if not isinstance(text, str) or not text or "\0" in text:
            return ("malformed", f"{name} is not a non-empty string")
    event_time = timestamp_us(record["event_time"])
    received_time = timestamp_us(record["received_time"])
    if event_time is None or received_time is None:
        return ("malformed", "a timestamp is not RFC 3339 with zone")
    if not isinstance(record["is_valid"], bool):
        return ("malformed", "is_valid is not a boolean")
    revision = record["revision"]
    if type(revision) is not int or not 0 <= revision <= REVISION_MAX:
        return ("malformed", "revision is not an integer in [0, 2^31-1]")
    return ("event", event_id, (sys.intern(record["user_id"]), sys.intern(record["event_type"]),
                                event_time, received_time, record["is_valid"], revision))


def row_hash(event_id, fields, partition, offset):
    """The same 60-bit hash check_run.py asks PostgreSQL for, of one row's text."""
    user_id, event_type, event_time, received_time, is_valid, revision = fields
    text = "|".join((event_id, user_id, event_type, str(event_time), str(received_time),
                     "true" if is_valid else "false", str(revision), str(partition), str(offset)))
    return int(hashlib.md5(text.encode()).hexdigest()[:15], 16)


def read_audit(path, problems):
    """Confirmed lines as (partition, offset, seq, intent, key, value); the completion totals."""
    confirmed, seqs, completion = [], [], None
    counted = Counter()
    with open(path, encoding="utf-8") as log:
        for number, line in enumerate(log, 1):
            if not line.strip():
                continue
            entry = json.loads(line)
            if completion is not None:
                problems.append(f"line {number}: a line after the completion line")
            if entry.get("complete") is True:
                completion = entry["totals"]
                continue
            intent, status = entry["intent"], entry["status"]
            if intent not in INTENTS:
                problems.append(f"line {number}: unknown intent {intent!r}")
            seqs.append(entry["seq"])
            counted["records"] += 1
            counted[status] += 1
            counted[intent] += 1
            if status == "confirmed":
                confirmed.append((entry["partition"], entry["offset"], entry["seq"], intent,
                                  entry["key"], entry["value"]))
            elif status != "failed":
                problems.append(f"line {number}: unknown status {status!r}")
    if completion is None:
        problems.append("no completion line: the stream never ended")
    else:
        for name, total in completion.items():
            if counted[name] != total:
                problems.append(f"completion line says {name}={total}, the lines hold {counted[name]}")
    if len(set(seqs)) != len(seqs):
        problems.append("a seq appears twice")
    return confirmed, completion or {}, counted


def derive(path, late_threshold_us):
    problems = []
    confirmed, completion, counted = read_audit(path, problems)
    confirmed.sort()

    state = {}  # event_id -> [deleted, fields, partition, offset]
    home = {}  # event_id -> partition: key = event_id puts every version in one partition
    counts = Counter()
    ends = {}
    malformed = []
    previous = None
    for partition, offset, seq, intent, key, value in confirmed:
        where = f"seq {seq} at partition {partition} offset {offset}"
        if (partition, offset) == previous:
            problems.append(f"{where}: a second record at the same offset")
            continue
        if ends.get(partition, 0) != offset:
            counts["offset_gaps"] += 1
        previous = (partition, offset)
        ends[partition] = offset + 1
        counts["records"] += 1
        kind = classify(key, value)

        promised = {"malformed": "malformed", "delete": "tombstone"}.get(intent, "event")
        if kind[0] != promised:
            problems.append(f"{where}: intent {intent} but the record is {kind[0]}"
                            + (f" ({kind[1]})" if kind[0] == "malformed" else ""))
        if kind[0] == "malformed":
            counts["malformed"] += 1
            malformed.append({"partition": partition, "offset": offset, "key": key, "value": value})
            continue

        event_id = kind[1]
        if home.setdefault(event_id, partition) != partition:
            problems.append(f"{where}: event {event_id} also lives in partition {home[event_id]}")
        current = state.get(event_id)
        if kind[0] == "tombstone":
            if current and current[0]:
                counts["duplicates"] += 1
                counts["duplicates_after_deletion"] += 1
            else:
                state[event_id] = [True, None, partition, offset]
            continue

        fields = kind[2]
        if intent == "invalidate" and fields[4]:
            problems.append(f"{where}: intent invalidate but is_valid is true")
        if fields[3] - fields[2] > late_threshold_us:
            counts["late"] += 1
        if current and (current[0] or fields[5] <= current[1][5]):
            counts["duplicates"] += 1
            if current[0]:
                counts["duplicates_after_deletion"] += 1
            elif fields[5] < current[1][5]:
                counts["duplicates_after_correction"] += 1
            continue
        if current is None and fields[5] != 0:
            counts["created_at_revision_above_0"] += 1
        state[event_id] = [False, fields, partition, offset]

    digest = 0
    for event_id, (deleted, fields, partition, offset) in state.items():
        if deleted:
            counts["deleted"] += 1
            continue
        counts["expected_rows"] += 1
        counts["invalidated"] += not fields[4]
        counts["late_rows"] += fields[3] - fields[2] > late_threshold_us
        counts["revised_rows"] += fields[5] > 0
        digest += row_hash(event_id, fields, partition, offset)

    truth = {name: counts[name] for name in (
        "records", "expected_rows", "invalidated", "deleted", "late", "late_rows", "duplicates",
        "duplicates_after_correction", "duplicates_after_deletion", "malformed", "revised_rows",
        "created_at_revision_above_0", "offset_gaps")}
    truth.update(
        events=len(state),
        failed=counted["failed"],
        completion=completion,
        confirmed_by_intent={intent: sum(1 for line in confirmed if line[3] == intent)
                             for intent in INTENTS},
        partition_ends={str(partition): end for partition, end in sorted(ends.items())},
        row_digest=str(digest),
        late_threshold_ms=late_threshold_us // 1000,
        malformed_records=malformed,
    )
    return truth, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audit_log")
    parser.add_argument("--late-threshold-ms", type=int, default=30000)
    args = parser.parse_args()
    truth, problems = derive(args.audit_log, args.late_threshold_ms * 1000)
    for problem in problems[:20]:
        print(f"audit log {args.audit_log}: {problem}", file=sys.stderr)
    if len(problems) > 20:
        print(f"... and {len(problems) - 20} more problems", file=sys.stderr)
    json.dump(truth, sys.stdout)
    print()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
