#!/usr/bin/env python3
"""Peak memory and time of `rootwarden evaluate` on a generated N-account snapshot.

    python3 bench/evaluate_memory.py [--binary target/release/rootwarden] [--accounts 1000 10000 20000]
        [-o json -o sarif -o junit]

Writes an organization of N accounts (cached in /tmp/rootwarden-bench-snapshot-N-HASH.json, HASH
naming the fixtures it was made from, so a changed snapshot format makes a new one): the
management account of fixtures/snapshots/compliant-org.json, then a mix of its members, the
compliant standalone account and the neglected account, each under its own account id (the
template's id replaced throughout), so every rule takes its pass and fail paths. Then runs
`evaluate` once per size under /usr/bin/time -v, writing the formats of `-o` (default JSON, SARIF
and JUnit, which read the snapshot's accounts one at a time) to a temporary directory, and prints
the snapshot size, wall time, CPU time and peak resident set size (Maximum resident set size).

With several sizes it also prints, between each size and the previous one, the peak RSS each
added account costs, next to the snapshot bytes and JSON report bytes per account: an evaluation
that holds every account grows by a multiple of the snapshot bytes per account; one that streams
the accounts grows by about the outcome table (of which the JSON report is a measure).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fixture(name: str) -> dict:
    with open(os.path.join(ROOT, "fixtures", "snapshots", name)) as f:
        return json.load(f)


def snapshot(n: int) -> str:
    org = fixture("compliant-org.json")
    templates = [
        json.dumps(org["accounts"][1]),
        json.dumps(fixture("compliant-standalone.json")["accounts"][0]),
        json.dumps(fixture("neglected-account.json")["accounts"][0]),
    ]
    digest = hashlib.sha256(json.dumps([org["accounts"][0], *templates]).encode()).hexdigest()[:12]
    path = f"/tmp/rootwarden-bench-snapshot-{n}-{digest}.json"
    if os.path.exists(path):
        return path
    template_ids = [json.loads(t)["account_id"] for t in templates]
    accounts = [org["accounts"][0]]
    for i in range(1, n):
        k = i % len(templates)
        account_id = f"{500_000_000_000 + i:012d}"
        accounts.append(json.loads(templates[k].replace(template_ids[k], account_id)))
    org["accounts"] = accounts
    with open(path, "w") as f:
        json.dump(org, f)
    return path


def run(binary: str, n: int, formats: list[str]) -> dict | None:
    snap = snapshot(n)
    with tempfile.TemporaryDirectory() as d:
        outputs = [a for f in formats for a in ("-o", f"{f}={d}/report.{f}")]
        if "json" not in formats:
            outputs += ["-o", f"json={d}/report.json"]
        cmd = ["/usr/bin/time", "-v", binary, "evaluate", snap, "--fail-on", "none", *outputs]
        out = subprocess.run(cmd, capture_output=True, text=True)
        report_bytes = os.path.getsize(f"{d}/report.json") if out.returncode == 0 else 0
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        return None

    def field(name: str) -> str:
        m = re.search(rf"^\s*{re.escape(name)}: (.+)$", out.stderr, re.M)
        return m.group(1).strip() if m else "?"

    rss_kb = int(field("Maximum resident set size (kbytes)"))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    size = os.path.getsize(snap)
    print(f"evaluate: {n} accounts, snapshot {size / 1e6:.1f} MB, "
          f"wall {field('Elapsed (wall clock) time (h:mm:ss or m:ss)')}, CPU {cpu:.1f} s, "
          f"peak RSS {rss_kb / 1024:.0f} MB", flush=True)
    return {"n": n, "rss_kb": rss_kb, "snapshot": size, "report": report_bytes}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "rootwarden"))
    p.add_argument("--accounts", type=int, nargs="+", default=[10_000])
    p.add_argument("-o", dest="formats", action="append",
                   help="a format to write (repeatable; default json, sarif and junit)")
    args = p.parse_args()
    formats = args.formats or ["json", "sarif", "junit"]
    runs = []
    for n in sorted(args.accounts):
        r = run(args.binary, n, formats)
        if r is None:
            return 1
        runs.append(r)
    for a, b in zip(runs, runs[1:]):
        added = b["n"] - a["n"]
        print(f"{a['n']} -> {b['n']} accounts: peak RSS +{(b['rss_kb'] - a['rss_kb']) / added:.1f} KB per account "
              f"(snapshot {(b['snapshot'] - a['snapshot']) / added / 1024:.1f} KB per account, "
              f"JSON report {(b['report'] - a['report']) / added / 1024:.1f} KB per account)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
