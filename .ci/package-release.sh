#!/bin/sh
# Release assets, as the release workflow publishes them (and tests/distribution.rs checks):
#
#   package-release.sh archive TARGET BINARY OUTDIR
#       OUTDIR/rootwarden-TARGET.tar.gz (.zip for Windows) holding rootwarden-TARGET/ with the
#       binary, README.md, LICENSE and CHANGELOG.md
#   package-release.sh lambda ARCH BINARY OUTDIR
#       OUTDIR/rootwarden-lambda-ARCH.zip (ARCH: arm64 or x86_64) holding the binary named
#       `bootstrap`, what a provided.al2023 Lambda function runs
#   package-release.sh checksums OUTDIR
#       OUTDIR/SHA256SUMS over every other file in OUTDIR (the format of `sha256sum`)
#
# Archives are reproducible: sorted entries, fixed times (SOURCE_DATE_EPOCH, default the last
# commit's), no owner names. Needs GNU tar, gzip, zip and sha256sum (any Linux runner).
set -eu

root="$(cd "$(dirname "$0")/.." && pwd)"
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}"

die() {
  echo "package-release.sh: $*" >&2
  exit 1
}

stamp() { # DIR: the same mtime on everything under DIR
  find "$1" -exec touch -h -d "@$epoch" {} +
}

case "${1:-}" in
  archive)
    [ $# -eq 4 ] || die "usage: archive TARGET BINARY OUTDIR"
    target="$2" bin="$3" out="$4"
    [ -f "$bin" ] || die "no binary at $bin"
    mkdir -p "$out"
    out="$(cd "$out" && pwd)"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    name="rootwarden-$target"
    mkdir "$work/$name"
    case "$target" in *-windows-*) exe=rootwarden.exe ;; *) exe=rootwarden ;; esac
    cp "$bin" "$work/$name/$exe"
    chmod 0755 "$work/$name/$exe"
    for f in README.md LICENSE CHANGELOG.md; do
      cp "$root/$f" "$work/$name/$f"
      chmod 0644 "$work/$name/$f"
    done
    stamp "$work/$name"
    case "$target" in
      *-windows-*)
        file="$out/$name.zip"
        rm -f "$file"
        (cd "$work" && find "$name" | LC_ALL=C sort | zip -X -q "$file" -@) ;;
      *)
        file="$out/$name.tar.gz"
        tar -C "$work" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
          -cf - "$name" | gzip -9n >"$file" ;;
    esac
    echo "$file" ;;
  lambda)
    [ $# -eq 4 ] || die "usage: lambda ARCH BINARY OUTDIR"
    arch="$2" bin="$3" out="$4"
    case "$arch" in arm64 | x86_64) ;; *) die "Lambda architectures are arm64 and x86_64, not $arch" ;; esac
    [ -f "$bin" ] || die "no binary at $bin"
    mkdir -p "$out"
    out="$(cd "$out" && pwd)"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    cp "$bin" "$work/bootstrap"
    # Lambda runs bootstrap only if the zip records it as executable.
    chmod 0755 "$work/bootstrap"
    stamp "$work"
    rm -f "$out/rootwarden-lambda-$arch.zip"
    (cd "$work" && zip -X -q "$out/rootwarden-lambda-$arch.zip" bootstrap)
    echo "$out/rootwarden-lambda-$arch.zip" ;;
  checksums)
    [ $# -eq 2 ] || die "usage: checksums OUTDIR"
    cd "$2"
    rm -f SHA256SUMS SHA256SUMS.tmp
    [ -n "$(find . -maxdepth 1 -type f ! -name 'SHA256SUMS*')" ] || die "no files in $2 to list"
    find . -maxdepth 1 -type f ! -name 'SHA256SUMS*' -printf '%P\n' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS.tmp
    mv SHA256SUMS.tmp SHA256SUMS
    echo "$(pwd)/SHA256SUMS" ;;
  *)
    die "usage: package-release.sh archive|lambda|checksums ..." ;;
esac
