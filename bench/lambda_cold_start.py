#!/usr/bin/env python3
"""Measures the Lambda function's package size and cold start, run locally.

    python bench/lambda_cold_start.py [--binary target/release/rootwarden] [--runs 5]

Needs a Python with tests/moto/requirements.txt (bash .ci/run makes one in
~/.cache/rootwarden-ci/moto-venv). The binary is stripped and zipped as
`bootstrap`, as deploy/ expects. Each run starts a fresh function process against
tests/moto/lambda_runtime_api.py (the Lambda runtime API) with the AWS SDK pointed
at moto, which holds the compliant organization of tests/moto/scenario.py, and hands
it the scheduled event deploy/events/scheduled.json (collect, evaluate, PutEvaluations
in TestMode) WARM+1 times, then deploy/events/left-scope.json (no collection). It prints:

  init          process start -> first request for work (the Lambda "Init" phase)
  first         the first (cold) invocation: scheduled event, start to response
  warm          the later scheduled invocations, start to response
  left-scope    the last invocation (no collection)
  cold compile  the first invocation compiling the bundled rules (the handler's own timing)
  cold eval     the first invocation evaluating them
  warm eval     the later invocations evaluating them with the policy kept warm (no compile)

Lambda's own sandbox start and the zip download are not included; the server is
moto in one Python process on this machine, so "first" includes moto's latency.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_moto(python: str) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([python, os.path.join(ROOT, "tests/moto/launcher.py"), "--port", "0"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("READY "):
        raise SystemExit(f"launcher did not start: {line!r}")
    url = line.split()[1]
    subprocess.run([python, os.path.join(ROOT, "tests/moto/scenario.py"), "--endpoint", url],
                   check=True, stdout=subprocess.DEVNULL)
    return p, url


def one_run(python: str, bootstrap: str, url: str, warm: int) -> list[tuple[str, float]]:
    scheduled = os.path.join(ROOT, "deploy/events/scheduled.json")
    api = subprocess.Popen(
        [python, os.path.join(ROOT, "tests/moto/lambda_runtime_api.py"),
         *[scheduled] * (warm + 1),
         os.path.join(ROOT, "deploy/events/left-scope.json")],
        stdout=subprocess.PIPE, text=True)
    address = api.stdout.readline().split()[1]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": address,
        "AWS_LAMBDA_FUNCTION_NAME": "rootwarden",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/rootwarden",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "ROOTWARDEN_CONFIG_TEST_MODE": "true",
    }
    started = time.time()
    fn = subprocess.Popen([bootstrap], env=env, stderr=subprocess.DEVNULL)
    summary = json.loads(api.stdout.readline())
    fn.kill()
    fn.wait()
    api.wait()
    if summary["init_error"] or len(summary["results"]) != warm + 2:
        raise SystemExit(f"function failed: {summary}")
    for r in summary["results"]:
        if r["status"] != "response":
            raise SystemExit(f"invocation failed: {r}")
    first, *warms, left = summary["results"]
    wall = lambda r: (r["answered_at"] - r["delivered_at"]) * 1000
    out = [("init", (summary["first_next_at"] - started) * 1000), ("first", wall(first))]
    out += [("warm", wall(r)) for r in warms]
    out += [("left-scope", wall(left)),
            ("cold compile", first["body"]["timings"]["compile_ms"]),
            ("cold eval", first["body"]["timings"]["evaluate_ms"])]
    out += [("warm eval", r["body"]["timings"]["evaluate_ms"]) for r in warms]
    if any(r["body"]["compiled"] for r in warms):
        raise SystemExit("a warm invocation compiled the rules again")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/rootwarden"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warm", type=int, default=5, help="warm scheduled invocations per run")
    ap.add_argument("--python", default=os.environ.get(
        "ROOTWARDEN_MOTO_PYTHON", os.path.expanduser("~/.cache/rootwarden-ci/moto-venv/bin/python")))
    args = ap.parse_args()
    work = tempfile.mkdtemp()
    bootstrap = os.path.join(work, "bootstrap")
    shutil.copy(args.binary, bootstrap)
    subprocess.run(["strip", bootstrap], check=False)
    package = os.path.join(work, "rootwarden-lambda.zip")
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(bootstrap, "bootstrap")
    print(f"binary {os.path.getsize(args.binary) / 1e6:.1f} MB, stripped bootstrap "
          f"{os.path.getsize(bootstrap) / 1e6:.1f} MB, zip {os.path.getsize(package) / 1e6:.1f} MB")
    moto, url = start_moto(args.python)
    try:
        samples = [s for _ in range(args.runs) for s in one_run(args.python, bootstrap, url, args.warm)]
    finally:
        moto.terminate()
    for name in ("init", "first", "warm", "left-scope", "cold compile", "cold eval", "warm eval"):
        xs = [v for n, v in samples if n == name]
        print(f"{name:12} median {statistics.median(xs):7.1f} ms  min {min(xs):7.1f}  max {max(xs):7.1f}  ({len(xs)} samples)")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
