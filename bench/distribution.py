#!/usr/bin/env python3
"""Release sizes and the time from nothing installed to the first report.

    python3 bench/distribution.py --binary target/release/rootwarden [--runs 5]

Packages the binary as the release does (stripped, .ci/package-release.sh: the archive, the
Lambda zip, SHA256SUMS), serves that release on 127.0.0.1, and times README's one-liner
(`curl -sSfL .../install.sh | sh`) followed by the first report (`rootwarden evaluate` on a
bundled fixture) with an empty HOME and no rootwarden on PATH. With podman (as root), also
builds the Containerfile on a base made from this machine's C library (images cannot be
pulled here) and prints the image size and the binary layer's share of it.
"""

import argparse
import functools
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, ".ci", "package-release.sh")
FIXTURE = os.path.join(ROOT, "fixtures", "snapshots", "neglected-account.json")


def mib(n):
    return f"{n / 1024 / 1024:.1f} MiB ({n:,} bytes)"


def package(tmp, binary):
    stripped = os.path.join(tmp, "rootwarden")
    subprocess.run(["strip", "-o", stripped, binary], check=True)
    tag = "v" + subprocess.run([stripped, "--version"], check=True, capture_output=True,
                               text=True).stdout.split()[1]
    assets = os.path.join(tmp, "srv", "download", tag)
    arch = os.uname().machine
    target = {"x86_64": "x86_64-unknown-linux-musl", "aarch64": "aarch64-unknown-linux-musl"}[arch]
    lambda_arch = {"x86_64": "x86_64", "aarch64": "arm64"}[arch]
    archive = subprocess.run(["sh", PACKAGE, "archive", target, stripped, assets], check=True,
                             capture_output=True, text=True).stdout.strip()
    lam = subprocess.run(["sh", PACKAGE, "lambda", lambda_arch, stripped, assets], check=True,
                         capture_output=True, text=True).stdout.strip()
    shutil.copy(os.path.join(ROOT, "install.sh"), assets)
    subprocess.run(["sh", PACKAGE, "checksums", assets], check=True, capture_output=True)
    os.makedirs(os.path.join(tmp, "srv", "latest"))
    os.symlink(assets, os.path.join(tmp, "srv", "latest", "download"))
    print(f"binary (stripped): {mib(os.path.getsize(stripped))}")
    print(f"{os.path.basename(archive)}: {mib(os.path.getsize(archive))}")
    print(f"{os.path.basename(lam)}: {mib(os.path.getsize(lam))}")
    return stripped


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def time_install(tmp, runs):
    handler = functools.partial(Quiet, directory=os.path.join(tmp, "srv"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    times = []
    for i in range(runs):
        home = os.path.join(tmp, f"home{i}")
        os.makedirs(home)
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "ROOTWARDEN_RELEASES_URL": url}
        start = time.perf_counter()
        subprocess.run(["sh", "-c", f"curl -sSfL {url}/latest/download/install.sh | sh"],
                       env=env, check=True, capture_output=True)
        report = subprocess.run([os.path.join(home, ".local/bin/rootwarden"), "evaluate", FIXTURE],
                                env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        assert report.returncode == 1 and "Account 444455556666" in report.stdout, report
    server.shutdown()
    print(f"nothing installed -> first report ({runs} runs): median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s")


def image_size(tmp, stripped):
    podman = shutil.which("podman")
    if not podman or os.geteuid() != 0:
        print("image: skipped (needs podman and root)")
        return
    store = ["--root", f"{tmp}/storage", "--runroot", f"{tmp}/run", "--storage-driver", "vfs",
             "--events-backend", "none"]
    base = os.path.join(tmp, "base")
    os.makedirs(os.path.join(base, "tmp"))
    ldd = subprocess.run(["ldd", stripped], capture_output=True, text=True).stdout
    for lib in [w for w in ldd.split() if w.startswith("/")]:
        dest = os.path.join(base, lib.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(lib, dest)
    subprocess.run(["tar", "-C", base, "-cf", f"{tmp}/base.tar", "."], check=True)
    subprocess.run([podman, *store, "import", f"{tmp}/base.tar", "localhost/rw-bench-base:1"],
                   check=True, capture_output=True)
    platform = {"x86_64": "linux/amd64", "aarch64": "linux/arm64"}[os.uname().machine]
    ctx = os.path.join(tmp, "prebuilt", platform)
    os.makedirs(ctx)
    shutil.copy(stripped, ctx)
    subprocess.run([podman, *store, "build", "-q", "-f", os.path.join(ROOT, "Containerfile"),
                    "--build-arg", "RUNTIME_IMAGE=localhost/rw-bench-base:1",
                    "--build-context", f"binary={tmp}/prebuilt", "-t", "localhost/rw-bench:1", ROOT],
                   check=True, capture_output=True)
    inspect = json.loads(subprocess.run([podman, *store, "image", "inspect", "localhost/rw-bench:1",
                                         "localhost/rw-bench-base:1"],
                                        check=True, capture_output=True, text=True).stdout)
    size, base_size = inspect[0]["Size"], inspect[1]["Size"]
    print(f"image on this machine's libc: {mib(size)}; base {mib(base_size)}, "
          f"rootwarden's layers {mib(size - base_size)} (on Alpine 3.22 add its base instead)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", required=True, help="a release build of rootwarden")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary}: not an executable (cargo build --release)")
    with tempfile.TemporaryDirectory() as tmp:
        stripped = package(tmp, os.path.abspath(args.binary))
        time_install(tmp, args.runs)
        image_size(tmp, stripped)


if __name__ == "__main__":
    main()
