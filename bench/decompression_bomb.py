#!/usr/bin/env python3
"""Peak memory and time of `rootwarden activity --logs` on decompression bombs.

    python3 bench/decompression_bomb.py [--gib 10] [--dir /tmp/rootwarden-bench-bombs]
                                        [--bin target/release/rootwarden] [--kinds K,...]
                                        [--max-log-size SIZE] [--jobs N] [--json]

Writes (cached, --force regenerates) one gzip file (level 9, about 1,000 to 1) per kind under
DIR/KIND/AWSLogs/111122223333/CloudTrail/us-east-1/, each inflating to --gib GiB (2^30 bytes):

    whitespace    {"Records": [  <spaces>  ]}
    records       {"Records": [ the same IAM-user record, again and again ]}
    root-records  {"Records": [ the same root access-key call, again and again ]}, every one a
                  root event in the window: the worst case for memory, as each is kept for the
                  report (at most 100,000 per review)
    long-value    {"Records": [{"userAgent": "AAAA... (one string of --gib GiB)

and beside it a normal log file with one root sign-in, which must still be found. Then runs,
for each kind,

    /usr/bin/time -v rootwarden activity --logs DIR/KIND --until 2026-04-01 --days 90 \\
        [--max-log-size SIZE] [--concurrency N] -o json=OUT.json

and prints a Markdown table (or JSON with --json): bytes on disk, bytes rootwarden inflated
before it stopped, wall and CPU seconds, peak RSS ("Maximum resident set size"), the exit code,
whether the bomb is listed as unreadable and whether the normal file's root event was found.
Needs GNU time at /usr/bin/time (Debian package `time`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BIN = os.path.join(ROOT, "target", "release", "rootwarden")
ACCOUNT = "111122223333"
KINDS = ["whitespace", "records", "root-records", "long-value"]
BLOCK = 1 << 20

USER_RECORD = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLEUSER00001",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAEXAMPLEUSER0001",
        "userName": "alice",
    },
    "eventTime": "2026-03-01T10:00:00Z",
    "eventSource": "s3.amazonaws.com",
    "eventName": "ListBuckets",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "198.51.100.7",
    "userAgent": "aws-cli/2.15.0",
    "eventID": "11111111-2222-4333-8444-555555555555",
    "eventType": "AwsApiCall",
    "recipientAccountId": ACCOUNT,
}

ROOT_RECORD = dict(
    USER_RECORD,
    userIdentity={
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAEXAMPLEROOT0001",
    },
    eventID="99999999-2222-4333-8444-555555555555",
)

SIGN_IN = dict(
    ROOT_RECORD,
    eventSource="signin.amazonaws.com",
    eventName="ConsoleLogin",
    eventType="AwsConsoleSignIn",
    eventID="aaaaaaaa-2222-4333-8444-555555555555",
    responseElements={"ConsoleLogin": "Success"},
    additionalEventData={"MFAUsed": "Yes"},
)


def compact(v) -> bytes:
    return json.dumps(v, separators=(",", ":")).encode()


def bomb_parts(kind: str) -> tuple[bytes, bytes, bytes]:
    """(head, filler repeated to the size, tail)."""
    if kind == "whitespace":
        return b'{"Records": [', b" ", b"]}"
    if kind == "records":
        return b'{"Records": [', compact(USER_RECORD) + b",", compact(USER_RECORD) + b"]}"
    if kind == "root-records":
        return b'{"Records": [', compact(ROOT_RECORD) + b",", compact(ROOT_RECORD) + b"]}"
    if kind == "long-value":
        return b'{"Records": [{"userAgent": "', b"A", b'"}]}'
    raise SystemExit(f"unknown kind {kind}")


def generate(path: str, kind: str, size: int) -> None:
    head, filler, tail = bomb_parts(kind)
    block = filler * max(1, BLOCK // len(filler))
    tmp = path + ".tmp"
    with gzip.open(tmp, "wb", compresslevel=9) as f:
        f.write(head)
        written = 0
        while written < size:
            f.write(block)
            written += len(block)
        f.write(tail)
    os.replace(tmp, path)


def prepare(base: str, kind: str, gib: float, force: bool) -> str:
    size = int(gib * (1 << 30))
    top = os.path.join(base, kind)
    day = os.path.join(top, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1", "2026", "03", "01")
    os.makedirs(day, exist_ok=True)
    stamp = os.path.join(base, f".{kind}.{size}")
    bomb = os.path.join(day, f"{ACCOUNT}_CloudTrail_us-east-1_20260301T1000Z_bomb.json.gz")
    if force or not os.path.exists(stamp) or not os.path.exists(bomb):
        print(f"generating {kind} ({gib} GiB inflated)...", file=sys.stderr)
        generate(bomb, kind, size)
        open(stamp, "w").close()
    normal = os.path.join(day, f"{ACCOUNT}_CloudTrail_us-east-1_20260301T1005Z_good.json.gz")
    with gzip.open(normal, "wb") as f:
        f.write(compact({"Records": [SIGN_IN]}))
    return top


def measure(binary: str, logs: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as out_dir:
        out = os.path.join(out_dir, "activity.json")
        cmd = ["/usr/bin/time", "-v", binary, "activity", "--logs", logs, "--until", "2026-04-01",
               "--days", "90", "-o", f"json={out}"]
        if args.max_log_size:
            cmd += ["--max-log-size", args.max_log_size]
        if args.jobs:
            cmd += ["--concurrency", str(args.jobs)]
        started = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.monotonic() - started
        stats = dict(re.findall(r"^\s*(.+?): (.+)$", p.stderr, re.M))
        report = json.load(open(out)) if os.path.exists(out) else {}
    problems = report.get("problems", [])
    bomb_problem = next((x["message"] for x in problems if "_bomb" in x["file"]), None)
    found = any(e.get("event_name") == "ConsoleLogin" for e in report.get("timeline", []))
    return {
        "exit": p.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(float(stats.get("User time (seconds)", 0)) + float(stats.get("System time (seconds)", 0)), 2),
        "peak_rss_mb": round(int(stats.get("Maximum resident set size (kbytes)", 0)) / 1024, 1),
        "inflated_mb": round(report.get("stats", {}).get("bytes_uncompressed", 0) / 1e6, 1),
        "root_events": report.get("stats", {}).get("root_events"),
        "bomb_unreadable": bomb_problem,
        "sign_in_found": found,
        "stderr_tail": p.stderr.strip().splitlines()[:3] if p.returncode not in (0, 1, 3) else [],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gib", type=float, default=10.0, help="GiB each bomb inflates to (default 10)")
    ap.add_argument("--dir", default="/tmp/rootwarden-bench-bombs")
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--max-log-size", help="passed to rootwarden (default: its own)")
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--force", action="store_true", help="regenerate the bombs")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not os.path.exists("/usr/bin/time"):
        raise SystemExit("needs GNU time at /usr/bin/time (apt-get install time)")
    rows = []
    for kind in args.kinds.split(","):
        logs = prepare(args.dir, kind, args.gib, args.force)
        on_disk = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(logs) for f in fs)
        row = {"kind": kind, "on_disk_mb": round(on_disk / 1e6, 2), "declared_gib": args.gib}
        row.update(measure(args.bin, logs, args))
        rows.append(row)
        print(f"{kind}: {row}", file=sys.stderr)
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    print("| bomb | on disk | inflates to | rootwarden inflated | wall | CPU | peak RSS | exit | bomb unreadable | other file read |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['kind']} | {r['on_disk_mb']} MB | {r['declared_gib']} GiB | {r['inflated_mb']} MB | "
              f"{r['wall_s']} s | {r['cpu_s']} s | {r['peak_rss_mb']} MB | {r['exit']} | "
              f"{'yes' if r['bomb_unreadable'] else 'NO'} | {'yes' if r['sign_in_found'] else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
