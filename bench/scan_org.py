#!/usr/bin/env python3
"""Times `rootwarden scan --org` against moto for organizations of N accounts.

    python bench/scan_org.py [--binary target/release/rootwarden] [--accounts 100 300 1000]
                             [--concurrency 16 64] [--latency-ms 50] [--throttle 5]
                             [--throttle-rate 2] [--pin]

Needs a Python with tests/moto/requirements.txt (bash .ci/run makes one in
~/.cache/rootwarden-ci/moto-venv). It starts tests/moto/launcher.py once, builds the
compliant organization of tests/moto/scenario.py with the smallest N (2 enabled regions per
account), and grows it to each larger N (create_account and a root user per new member), so
building 1,000 accounts happens once, not once per size. For each N and each --concurrency it
runs the scan once and prints one JSON line:

- wall_s, and rootwarden's own cpu_s (user + sys, from wait4) and cpu_ms_per_account;
- peak_rss_mib (from wait4);
- calls per account (from --stats; the target is <= 4 + 6 x regions) and calls in all;
- connections the server accepted during the scan (the launcher counts them): one HTTP client
  for the whole run keeps this at most endpoints x concurrency, whatever N;
- with --latency-ms D: the scan goes through bench/latency_proxy.py, which holds every request D
  ms (requests in parallel), and `latency_limit_s` = calls x D / concurrency is the wall time
  no scheduling can beat; `server_serial_s` is the wall time of the same scan without the proxy
  at concurrency 1 (moto answers one request at a time in effect: it is one Python process);
- with --throttle K: the first K calls of each service but STS are answered `Throttling`; the
  retries absorb them, so the scan takes longer and `collection_errors` stays 0. A call is tried
  10 times (src/aws/retry.rs), so K up to 9 is absorbed whatever the order of the calls: with
  K >= 10, a service called once at first (organizations:DescribeOrganization) is still
  throttled after its retries and the scan stops with an error naming it, as it would against
  AWS.
- with --throttle-rate R: AWS's own kind of throttling, every service but STS answers
  `Throttling` to the calls of an account and region beyond R a second (the launcher's `rate`
  rule); `throttled_answers` counts the answers given, `collection_errors` should stay 0.

moto is one Python process, so wall time without latency measures moto; CPU time and RSS show
what rootwarden itself costs. With --pin, moto and the proxy run on the last CPU and rootwarden on
the others, so moto's load does not inflate rootwarden's CPU time; `rootwarden_cpus` says which.
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
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests/moto"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
REGIONS = 2
# --throttle: every service the collectors call but STS (the first sts:GetCallerIdentity is
# tried twice only, so that an unreachable endpoint is named quickly).
# --pin: the CPUs rootwarden runs on (moto and the proxy get the others).
TOOL_CPUS: set[int] | None = None
THROTTLED = ("iam", "organizations", "account", "cloudtrail", "logs", "cloudwatch", "sns", "events")


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read())


def _post(url: str, body: object) -> object:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")


class Organization:
    """The scenario's compliant organization on one launcher, grown as asked."""

    def __init__(self, url: str) -> None:
        import scenario  # tests/moto/scenario.py, needs boto3 (the moto venv)

        self.scenario = scenario
        self.world = scenario.World(url)
        self.accounts = 0

    def grow_to(self, accounts: int) -> float:
        start = time.monotonic()
        if self.accounts == 0:
            self.scenario.build(self.world, accounts - 1)
        else:
            org = self.world.client("organizations")
            for i in range(len(self.world.members), accounts - 1):
                status = org.create_account(Email=f"member{i}@example.com", AccountName=f"member-{i}")
                member = status["CreateAccountStatus"]["AccountId"]
                self.world.members.append(member)
                self.world.control("/_rootwarden/root", {"account_id": member, "mfa": "hardware",
                                                         "password_last_used": "N/A"})
        self.accounts = accounts
        return time.monotonic() - start


def scan(binary: str, url: str, concurrency: int, snapshot: bool) -> dict[str, object]:
    env = {"PATH": os.environ.get("PATH", ""), "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "AWS_EC2_METADATA_DISABLED": "true"}
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "findings.json")
        snap = os.path.join(d, "snapshot.json")
        args = [binary, "scan", "--org", "--endpoint-url", url, "--stats", "--concurrency", str(concurrency),
                "-o", f"json={out}", "--fail-on", "none"]
        if snapshot:
            args += ["--snapshot-out", snap]
        start = time.monotonic()
        pin = (lambda: os.sched_setaffinity(0, TOOL_CPUS)) if TOOL_CPUS else None
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=pin)
        assert proc.stderr is not None
        stderr = proc.stderr.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        if status != 0:
            raise SystemExit(f"scan failed ({status}): {stderr[-2000:]}")
        summary = json.load(open(out))["summary"]
        errors = len(json.load(open(snap))["collection_errors"]) if snapshot else None
    per_account = [int(m) for m in re.findall(r"^\s+\d{12}: (\d+) calls", stderr, re.M)]
    return {"wall": wall, "usage": usage, "per_account": per_account, "summary": summary, "errors": errors}


def measure(binary: str, url: str, accounts: int, concurrency: int, args: argparse.Namespace,
            setup: float) -> dict[str, object]:
    connections = _get(f"{url}/_rootwarden/connections")["accepted"]  # type: ignore[index]
    rules = []
    if args.throttle:
        for service in THROTTLED:
            _post(f"{url}/_rootwarden/deny", {"action": f"{service}:*", "code": "Throttling", "times": args.throttle})
    if args.throttle_rate:
        for service in THROTTLED:
            rule = {"action": f"{service}:*", "code": "Throttling", "rate": args.throttle_rate}
            rules.append(_post(f"{url}/_rootwarden/deny", rule)["id"])  # type: ignore[index]
    target = url
    proxy = None
    if args.latency_ms:
        from latency_proxy import LatencyProxy

        proxy = LatencyProxy(url, args.latency_ms)
        target = proxy.__enter__()
    try:
        r = scan(binary, target, concurrency, snapshot=bool(args.throttle or args.throttle_rate))
    finally:
        if proxy is not None:
            proxy.__exit__(None, None, None)
    throttled = sum(f["hits"] for f in _get(f"{url}/_rootwarden/deny") if f["id"] in rules)  # type: ignore[index,union-attr]
    for rule_id in rules:
        req = urllib.request.Request(f"{url}/_rootwarden/deny?id={rule_id}", method="DELETE")
        urllib.request.urlopen(req, timeout=60).read()
    opened = _get(f"{url}/_rootwarden/connections")["accepted"] - connections - 1  # type: ignore[index]
    usage = r["usage"]
    per_account: list[int] = r["per_account"]  # type: ignore[assignment]
    cpu = usage.ru_utime + usage.ru_stime  # type: ignore[attr-defined]
    line: dict[str, object] = {
        "accounts": accounts,
        "concurrency": concurrency,
        "setup_s": round(setup, 1),
        "wall_s": round(r["wall"], 2),  # type: ignore[arg-type]
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_account": round(cpu * 1000 / accounts, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # type: ignore[attr-defined]
        "calls": sum(per_account),
        "calls_per_account_mean": round(sum(per_account) / len(per_account), 1),
        "calls_per_account_max": max(per_account),
        "calls_target": 4 + 6 * REGIONS,
        "connections": opened,
        "outcomes": r["summary"],
    }
    if TOOL_CPUS:
        line["rootwarden_cpus"] = sorted(TOOL_CPUS)
    if args.latency_ms:
        line["latency_ms"] = args.latency_ms
        line["latency_limit_s"] = round(sum(per_account) * args.latency_ms / 1000 / concurrency, 2)
    if args.throttle:
        line["throttled_calls"] = args.throttle
        line["collection_errors"] = r["errors"]
    if args.throttle_rate:
        line["throttle_rate"] = args.throttle_rate
        line["throttled_answers"] = throttled
        line["collection_errors"] = r["errors"]
    return line


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "target/release/rootwarden"))
    p.add_argument("--accounts", type=int, nargs="+", default=[100, 300, 1000])
    p.add_argument("--concurrency", type=int, nargs="+", default=[16])
    p.add_argument("--latency-ms", type=float, default=0, help="hold every request this long (a proxy)")
    p.add_argument("--throttle", type=int, default=0, help="answer the first K calls of each service (STS aside) Throttling")
    p.add_argument("--throttle-rate", type=float, default=0,
                   help="answer Throttling to an account's calls to a service (STS aside) in a region beyond R a second")
    p.add_argument("--server-serial", action="store_true",
                   help="with --latency-ms, also time the scan without the proxy at concurrency 1")
    p.add_argument("--pin", action="store_true",
                   help="run moto and the proxy on the last CPU and rootwarden on the others")
    args = p.parse_args()
    if args.pin:
        global TOOL_CPUS
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            p.error("--pin needs at least 2 CPUs")
        TOOL_CPUS = set(cpus[:-1])
        # This process is the proxy; the launcher inherits its CPU.
        os.sched_setaffinity(0, {cpus[-1]})
    launcher = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests/moto/launcher.py"), "--port", "0"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert launcher.stdout is not None
        url = launcher.stdout.readline().decode().split()[1]
        org = Organization(url)
        for n in sorted(args.accounts):
            setup = org.grow_to(n)
            if args.server_serial and args.latency_ms:
                r = scan(args.binary, url, 1, snapshot=False)
                print(json.dumps({"accounts": n, "server_serial_s": round(r["wall"], 2)}), flush=True)  # type: ignore[arg-type]
            for c in args.concurrency:
                print(json.dumps(measure(args.binary, url, n, c, args, setup)), flush=True)
                setup = 0.0
    finally:
        launcher.kill()
        launcher.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
