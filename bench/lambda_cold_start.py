#!/usr/bin/env python3
"""Measures the Lambda function's package size and cold start, run locally.

    python bench/lambda_cold_start.py [--binary target/release/rootwarden] [--runs 5]

Needs a Python with tests/moto/requirements.txt (bash .ci/run makes one in
~/.cache/rootwarden-ci/moto-venv). The binary is stripped and zipped as
`bootstrap`, as deploy/ expects. Each run starts a fresh function process against
tests/moto/lambda_runtime_api.py (the Lambda runtime API) with the AWS SDK pointed
at moto, which holds the compliant organization of tests/moto/scenario.py, and hands
it two events: deploy/events/scheduled.json (collect, evaluate, PutEvaluations in
TestMode) and deploy/events/left-scope.json (no collection). It prints:

  init       process start -> first request for work (the Lambda "Init" phase)
  first      the first (cold) invocation: scheduled event, start to response
  warm       the second invocation: left-scope event

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


def one_run(python: str, bootstrap: str, url: str) -> tuple[float, float, float]:
    api = subprocess.Popen(
        [python, os.path.join(ROOT, "tests/moto/lambda_runtime_api.py"),
         os.path.join(ROOT, "deploy/events/scheduled.json"),
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
    if summary["init_error"] or len(summary["results"]) != 2:
        raise SystemExit(f"function failed: {summary}")
    for r in summary["results"]:
        if r["status"] != "response":
            raise SystemExit(f"invocation failed: {r}")
    first, second = summary["results"]
    return (summary["first_next_at"] - started,
            first["answered_at"] - first["delivered_at"],
            second["answered_at"] - second["delivered_at"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/rootwarden"))
    ap.add_argument("--runs", type=int, default=5)
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
        runs = [one_run(args.python, bootstrap, url) for _ in range(args.runs)]
    finally:
        moto.terminate()
    for name, i in (("init", 0), ("first", 1), ("warm", 2)):
        xs = [r[i] * 1000 for r in runs]
        print(f"{name:6} median {statistics.median(xs):7.1f} ms  min {min(xs):7.1f}  max {max(xs):7.1f}  ({len(xs)} runs)")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
