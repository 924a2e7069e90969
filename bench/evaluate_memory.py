#!/usr/bin/env python3
"""Peak memory and time of `rootwarden evaluate` on a generated N-account snapshot.

    python3 bench/evaluate_memory.py [--binary target/release/rootwarden] [--accounts 10000]

Writes an organization of N accounts (cached in /tmp/rootwarden-bench-snapshot-N-HASH.json, HASH
naming the fixtures it was made from, so a changed snapshot format makes a new one): the
management account of fixtures/snapshots/compliant-org.json, then a mix of its members, the
compliant standalone account and the neglected account, each under its own account id (the
template's id replaced throughout), so every rule takes its pass and fail paths. Then runs
`evaluate` once under /usr/bin/time -v, writing JSON, SARIF and JUnit to a temporary directory, and prints
the snapshot size, wall time, CPU time and peak resident set size (Maximum resident set size).
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "rootwarden"))
    p.add_argument("--accounts", type=int, default=10_000)
    args = p.parse_args()
    snap = snapshot(args.accounts)
    with tempfile.TemporaryDirectory() as d:
        cmd = ["/usr/bin/time", "-v", args.binary, "evaluate", snap, "--fail-on", "none",
               "-o", f"json={d}/f.json", "-o", f"sarif={d}/r.sarif", "-o", f"junit={d}/junit.xml"]
        out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        return 1

    def field(name: str) -> str:
        m = re.search(rf"^\s*{re.escape(name)}: (.+)$", out.stderr, re.M)
        return m.group(1).strip() if m else "?"

    rss_kb = int(field("Maximum resident set size (kbytes)"))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    print(f"evaluate: {args.accounts} accounts, snapshot {os.path.getsize(snap) / 1e6:.1f} MB, "
          f"wall {field('Elapsed (wall clock) time (h:mm:ss or m:ss)')}, CPU {cpu:.1f} s, "
          f"peak RSS {rss_kb / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
