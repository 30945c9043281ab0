#!/usr/bin/env python3
"""Checks that the validator's JSON report FAILs for exactly the injected fault.

    check_fault.py --report R --category NAME --subject EVENT_ID [--fields F,...]
    check_fault.py --report R --waiting-for TEXT --waited-ms MS

With --category: verdict FAIL, that category counts 1 with the subject as its example (and, with
--fields, exactly those differing fields), every other category counts 0.
With --waiting-for: a deadline FAIL, no comparison ran (every category 0), and the one condition
still missing contains TEXT.
Prints the report's summary; exits 1 naming every mismatch.
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", required=True)
    parser.add_argument("--category")
    parser.add_argument("--subject")
    parser.add_argument("--fields")
    parser.add_argument("--waiting-for")
    parser.add_argument("--waited-ms", type=int)
    args = parser.parse_args()
    with open(args.report, encoding="utf-8") as file:
        report = json.load(file)
    print(f"report: {report['summary']}")

    problems = []
    if report["verdict"] != "FAIL":
        problems.append(f"verdict {report['verdict']}, expected FAIL")
    for name, finding in report["discrepancies"].items():
        want = 1 if name == args.category else 0
        if finding["count"] != want:
            problems.append(f"discrepancies.{name}.count is {finding['count']}, expected {want}")
    if args.category:
        examples = report["discrepancies"][args.category]["examples"]
        example = examples[0] if examples else {}
        print(f"{args.category} example: {json.dumps(example)}")
        if example.get("event_id") != args.subject:
            problems.append(f"the {args.category} example names {example.get('event_id')}, "
                            f"expected {args.subject}")
        if args.fields is not None:
            fields = sorted(example.get("fields", {}))
            if fields != sorted(args.fields.split(",")):
                problems.append(f"differing fields {fields}, expected {args.fields}")
        if "waiting_for" in report:
            problems.append(f"a deadline verdict: {report['waiting_for']}")
    if args.waiting_for:
        waiting = report.get("waiting_for", [])
        print(f"waiting_for: {waiting}")
        if len(waiting) != 1 or args.waiting_for not in waiting[0]:
            problems.append(f"waiting_for is {waiting}, expected one condition naming {args.waiting_for!r}")
        if args.waited_ms is not None and report.get("waited_ms") != args.waited_ms:
            problems.append(f"waited_ms is {report.get('waited_ms')}, expected {args.waited_ms}")
        if args.waiting_for not in report["summary"]:
            problems.append(f"the summary does not name {args.waiting_for!r}")
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
