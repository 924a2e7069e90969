#!/usr/bin/env python3
"""Times `rootwarden scan --org` against moto for organizations of N accounts.

    python bench/scan_org.py [--binary target/release/rootwarden] [--accounts 10 100]

Needs a Python with tests/moto/requirements.txt (bash .ci/run makes one in
~/.cache/rootwarden-ci/moto-venv). For each N it starts tests/moto/launcher.py,
builds the compliant organization of tests/moto/scenario.py with N accounts
(2 enabled regions each), runs the scan once, and prints one line with wall
time, rootwarden's own CPU time (user + sys, from wait4), its peak RSS, and API
calls per account (from --stats; the target is <= 4 + 6 x regions). The server
is moto in one Python process, so wall time measures moto; CPU time shows what
rootwarden itself costs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGIONS = 2


def run(binary: str, accounts: int) -> dict[str, object]:
    launcher = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests/moto/launcher.py"), "--port", "0"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert launcher.stdout is not None
        url = launcher.stdout.readline().decode().split()[1]
        built = time.monotonic()
        subprocess.run([sys.executable, os.path.join(ROOT, "tests/moto/scenario.py"), "--endpoint", url,
                        "--members", str(accounts - 1)], check=True, stdout=subprocess.DEVNULL)
        built = time.monotonic() - built
        env = {"PATH": os.environ.get("PATH", ""), "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
               "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
               "AWS_EC2_METADATA_DISABLED": "true"}
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "findings.json")
            start = time.monotonic()
            proc = subprocess.Popen([binary, "scan", "--org", "--endpoint-url", url, "--stats",
                                     "-o", f"json={out}", "--fail-on", "none"],
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            assert proc.stderr is not None
            stderr = proc.stderr.read().decode()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.monotonic() - start
            if status != 0:
                raise SystemExit(f"scan failed ({status}): {stderr[-2000:]}")
            summary = json.load(open(out))["summary"]
        per_account = [int(m) for m in re.findall(r"^\s+\d{12}: (\d+) calls", stderr, re.M)]
        return {
            "accounts": accounts,
            "setup_s": round(built, 1),
            "wall_s": round(wall, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "calls_per_account_mean": round(sum(per_account) / len(per_account), 1),
            "calls_per_account_max": max(per_account),
            "calls_target": 4 + 6 * REGIONS,
            "outcomes": summary,
        }
    finally:
        launcher.kill()
        launcher.wait()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "target/release/rootwarden"))
    p.add_argument("--accounts", type=int, nargs="+", default=[10, 100])
    args = p.parse_args()
    for n in args.accounts:
        print(json.dumps(run(args.binary, n)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
