#!/usr/bin/python3
"""Writes N TLS-RPT reports shaped like the corpus in tests/data/tlsrpt into a folder.

usage: generate_reports.py CORPUS_DIR OUT_DIR N

Every report of the corpus (the JSON files and the reports inside the emails) is a template;
report i takes template i % T and gets its own report-id, organization (one of ~100), date
range (one of 365 days) and session counts, with the template's quirks kept: datetimes
without a zone, mx-host as a string or a list, missing summary fields, unknown policy types.
Even-numbered reports are written as .json.gz, odd ones as .json. Deterministic (seeded).
Prints the file count, the bytes written and the expected session totals."""
import copy
import datetime
import email
import gzip
import json
import os
import random
import sys


def corpus_reports(corpus):
    reports = []
    for folder, _, files in sorted(os.walk(corpus)):
        for name in sorted(files):
            data = open(os.path.join(folder, name), "rb").read()
            if name.endswith(".eml"):
                message = email.message_from_bytes(data)
                parts = [p for p in message.walk() if "tlsrpt" in p.get_content_type()]
                if not parts:
                    continue
                data = parts[0].get_payload(decode=True)
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            try:
                reports.append(json.loads(data))
            except ValueError:
                continue  # SOURCES.md
    return reports


def datetime_like(template, moment):
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text if not template.endswith(("Z", "z")) else text + "Z"


def vary(template, i, rng):
    r = copy.deepcopy(template)
    r["report-id"] = f"bench-{i:06d}-{rng.getrandbits(32):08x}"
    if i % 4:
        r["organization-name"] = f"Reporter {i % 97}"
    day = datetime.datetime(2025, 1, 1) + datetime.timedelta(days=i % 365)
    dr = r.get("date-range", {})
    dr["start-datetime"] = datetime_like(dr.get("start-datetime", "Z"), day)
    dr["end-datetime"] = datetime_like(dr.get("end-datetime", "Z"),
                                       day + datetime.timedelta(seconds=86399))
    success = failure = 0
    for p in r.get("policies", []):
        summary = p.setdefault("summary", {})
        details = p.get("failure-details", [])
        for d in details:
            d["failed-session-count"] = rng.randint(1, 50)
        summary["total-successful-session-count"] = rng.randint(0, 5000)
        if "total-failure-session-count" in summary or details:
            summary["total-failure-session-count"] = sum(d["failed-session-count"] for d in details)
        success += summary["total-successful-session-count"]
        failure += summary.get("total-failure-session-count", 0)
    return r, success, failure


def main(argv):
    corpus, out, n = argv[1], argv[2], int(argv[3])
    templates = corpus_reports(corpus)
    rng = random.Random(8460)
    os.makedirs(out, exist_ok=True)
    written = success = failure = 0
    for i in range(n):
        report, s, f = vary(templates[i % len(templates)], i, rng)
        success += s
        failure += f
        text = json.dumps(report, indent=1).encode()
        if i % 2 == 0:
            path = os.path.join(out, f"report-{i:06d}.json.gz")
            data = gzip.compress(text, mtime=0)
        else:
            path = os.path.join(out, f"report-{i:06d}.json")
            data = text
        with open(path, "wb") as f_out:
            f_out.write(data)
        written += len(data)
    print(f"files={n} templates={len(templates)} bytes={written} success={success} failure={failure}")


if __name__ == "__main__":
    main(sys.argv)
