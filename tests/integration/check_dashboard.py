"""Queries a Prometheus server that scrapes an ingest worker (an independent client in tests only).

    check_dashboard.py PROMETHEUS_URL WORKER_URL DASHBOARD_JSON RECORDS

Waits (with a deadline) until the validator's verdict series is 1, then checks that the sink's
records-put series holds RECORDS, as the worker's own /metrics does, and that every expression of
the dashboard returns at least one series. Exits 1 naming what failed.
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.request

prometheus, worker, dashboard_file, records = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
SINK = "user-events-postgres"


def query(expr):
    url = prometheus + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"query {expr!r} failed: {body}")
    return body["data"]["result"]


def wait_for(what, check, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass  # Prometheus still starting
        time.sleep(0.5)
    sys.exit(f"FAIL: timed out waiting for {what}")


def single_value(expr):
    result = query(expr)
    return float(result[0]["value"][1]) if result else None


wait_for("the validator's verdict to be 1 (PASS) in Prometheus",
         lambda: single_value("max(ingest_plugin_sink_validator_verdict)") == 1.0)
put_expr = f'sum(ingest_sink_records_put_total{{connector="{SINK}"}})'
wait_for(f"{put_expr} to reach {records}", lambda: single_value(put_expr) == records, 60)

with urllib.request.urlopen(worker + "/metrics", timeout=10) as response:
    text = response.read().decode()
reported = sum(float(m.group(1)) for m in re.finditer(
    r'^ingest_sink_records_put_total\{[^}]*connector="' + SINK + r'"[^}]*\} (\S+)$', text, re.M))
if reported != records:
    sys.exit(f"FAIL: the worker's /metrics says {reported} records put, Prometheus {records}")
print(f"PASS: {put_expr} = {records} in Prometheus and in the worker's /metrics")

with open(dashboard_file) as f:
    dashboard = json.load(f)
expressions = [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel["targets"]]


def without_data():
    return [f"{title}: {expr}" for title, expr in expressions if not query(expr)]


# rate() needs two scrapes of a series within its window: give the 1 s scrapes a few seconds. An
# expression on a series that does not exist never gets data and fails at the deadline.
deadline = time.monotonic() + 30
empty = without_data()
while empty and time.monotonic() < deadline:
    time.sleep(1)
    empty = without_data()
if empty:
    sys.exit("FAIL: dashboard expressions without data:\n  " + "\n  ".join(empty))
print(f"PASS: all {len(expressions)} expressions of the dashboard return data")

rules = urllib.request.urlopen(prometheus + "/api/v1/rules", timeout=10)
groups = json.load(rules)["data"]["groups"]
loaded = sum(len(g["rules"]) for g in groups)
if loaded == 0:
    sys.exit("FAIL: Prometheus loaded no alert rules")
print(f"PASS: Prometheus loaded {loaded} alert rules")
