"""Reads a topic with kcat, an independent Kafka client: every record, and the broker's watermarks."""
import json
import subprocess
import sys


def kcat(*args):
    done = subprocess.run(["kcat", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"kcat {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def partitions(bootstrap, topic):
    metadata = json.loads(kcat("-L", "-J", "-b", bootstrap, "-t", topic))
    found = [t for t in metadata["topics"] if t["topic"] == topic]
    if not found or not found[0]["partitions"]:
        sys.exit(f"topic {topic} not found on {bootstrap}")
    return sorted(p["partition"] for p in found[0]["partitions"])


def watermarks(bootstrap, topic):
    """{partition: (low, high)}: kcat -Q with the logical offsets -2 (beginning) and -1 (end)."""
    marks = {}
    for logical in ("-2", "-1"):
        queries = [arg for p in partitions(bootstrap, topic) for arg in ("-t", f"{topic}:{p}:{logical}")]
        for line in kcat("-Q", "-b", bootstrap, *queries).splitlines():
            # "<topic> [<partition>] offset <offset>"
            head, offset = line.rsplit(" offset ", 1)
            partition = int(head.rsplit("[", 1)[1].rstrip("]"))
            marks.setdefault(partition, []).append(int(offset))
    return {partition: tuple(pair) for partition, pair in marks.items()}


def records(bootstrap, topic):
    """Every record from the beginning to the end of every partition, as kcat -J dicts
    (key and payload null when absent, headers as a flat [name, value, ...] list)."""
    dump = kcat("-C", "-e", "-q", "-J", "-o", "beginning", "-b", bootstrap, "-t", topic)
    return [json.loads(line) for line in dump.splitlines() if line.strip()]
