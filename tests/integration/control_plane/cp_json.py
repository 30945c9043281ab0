#!/usr/bin/env python3
"""The control-plane test's own reading of JSON and of the worker's log (an independent client: it
shares no code with the runner).

  cp_json.py get FILE PATH...
      Prints each PATH's value of the JSON in FILE, one per line: strings raw, other values as
      compact JSON. A PATH is dotted (`tasks.0.state`, `config.connection.dsn`: a key may hold
      dots, the longest matching key wins); integers index arrays; `#` is the length (`tasks.#`). Exits 1, printing nothing more, at the first PATH that does not exist.

  cp_json.py derive TEMPLATE OUT NAME KEY=VALUE... [-KEY...]
      Writes OUT: the connector file TEMPLATE (one of connectors.d/) renamed NAME, with KEY set to
      VALUE (a string, as connector files hold them) and -KEY removed.

  cp_json.py snapshot FILE
      A stable text of GET /connectors?expand=info&expand=status: per connector its connector
      state, config error and config. What an operator request that was refused must not change.

  cp_json.py metric FILE NAME CONNECTOR
      The sum of the values of family NAME's series labelled connector=CONNECTOR in FILE, an answer
      of GET /worker/metrics ({"families": {NAME: {"series": [{"labels": {...}, "value": V}]}}}).
      Exits 1 when there is no such series.

  cp_json.py restarts LOG LABEL FROM_LINE BASE_MS MAX_MS MIN_COUNT
      Checks the automatic restarts of task LABEL (e.g. cp-outage-0) logged after line FROM_LINE:
      each "automatic restart K/M in D ms" announces a wait D of exponential backoff with equal
      jitter (D in [C/2, C], C = min(BASE_MS * 2^(K-1), MAX_MS)) and the next "restarting the
      failed task automatically" comes no earlier than D later. Prints one line per restart; exits 1
      on any violation or when fewer than MIN_COUNT restarts happened.
"""
import datetime
import json
import re
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def lookup(value, path):
    parts, i = path.split("."), 0
    while i < len(parts):
        part = parts[i]
        if part == "#":
            if not isinstance(value, (list, dict, str)):
                raise KeyError(path)
            value, i = len(value), i + 1
        elif isinstance(value, list):
            value, i = value[int(part)], i + 1
        elif isinstance(value, dict):
            # Keys may hold dots themselves (`connection.dsn`): the longest one that matches wins.
            for end in range(len(parts), i, -1):
                if ".".join(parts[i:end]) in value:
                    value, i = value[".".join(parts[i:end])], end
                    break
            else:
                raise KeyError(path)
        else:
            raise KeyError(path)
    return value


def show(value):
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)


def cmd_get(args):
    document = load(args[0])
    for path in args[1:]:
        try:
            print(show(lookup(document, path)))
        except (KeyError, IndexError, ValueError):
            return 1
    return 0


def cmd_derive(args):
    template, out, name, changes = args[0], args[1], args[2], args[3:]
    connector = load(template)
    connector["name"] = name
    config = connector["config"]
    for change in changes:
        if change.startswith("-"):
            config.pop(change[1:], None)
        else:
            key, _, value = change.partition("=")
            config[key] = value
    with open(out, "w", encoding="utf-8") as f:
        json.dump(connector, f, indent=2)
        f.write("\n")
    return 0


def cmd_snapshot(args):
    for name, entry in sorted(load(args[0]).items()):
        connector = entry["status"]["connector"]
        print(name, connector["state"], connector.get("config_error", ""),
              json.dumps(entry["info"]["config"], sort_keys=True))
    return 0


def cmd_metric(args):
    family = load(args[0])["families"].get(args[1], {})
    values = [series["value"] for series in family.get("series", [])
              if series.get("labels", {}).get("connector") == args[2]]
    if not values:
        return 1
    print(int(sum(values)))
    return 0


LINE = re.compile(r"^(\S+Z) \S+\s+\[(\S+)\] (.*)$")
ANNOUNCED = re.compile(r"^automatic restart (\d+)/(\d+) in (\d+) ms$")


def timestamp_ms(text):
    moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000


def cmd_restarts(args):
    log, label, from_line = args[0], args[1], int(args[2])
    base, cap, min_count = int(args[3]), int(args[4]), int(args[5])
    problems, done = [], 0
    announced = None  # (attempt, wait_ms, at_ms)
    with open(log, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            match = LINE.match(line.rstrip("\n"))
            if number <= from_line or not match or match.group(2) != label:
                continue
            at, text = timestamp_ms(match.group(1)), match.group(3)
            if m := ANNOUNCED.match(text):
                attempt, wait = int(m.group(1)), int(m.group(3))
                ceiling = min(base * 2 ** (attempt - 1), cap)
                if not ceiling // 2 <= wait <= ceiling:
                    problems.append(f"restart {attempt}: announced {wait} ms, outside [{ceiling // 2}, {ceiling}]")
                if announced and attempt != announced[0] + 1:
                    problems.append(f"restart {attempt} follows restart {announced[0]}")
                announced = (attempt, wait, at)
            elif text == "restarting the failed task automatically":
                if not announced:
                    problems.append(f"line {number}: an automatic restart nobody announced")
                    continue
                waited = at - announced[2]
                print(f"restart {announced[0]}: announced {announced[1]} ms, restarted {waited:.0f} ms later")
                if waited + 2 < announced[1]:  # log timestamps have millisecond resolution
                    problems.append(f"restart {announced[0]} came after {waited:.0f} ms, before its {announced[1]} ms")
                done += 1
    if done < min_count:
        problems.append(f"{done} automatic restarts of {label}, expected at least {min_count}")
    for problem in problems:
        print("problem:", problem)
    return 1 if problems else 0


COMMANDS = {"get": (cmd_get, 2), "derive": (cmd_derive, 3), "snapshot": (cmd_snapshot, 1),
            "metric": (cmd_metric, 3), "restarts": (cmd_restarts, 6)}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS or len(sys.argv) - 2 < COMMANDS[sys.argv[1]][1]:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]][0](sys.argv[2:]))
