#!/bin/sh
# Install rootwarden from a GitHub release: pick the archive for this OS and CPU, check it
# against the release's SHA256SUMS, and put the binary in a directory.
#
#   curl -sSfL https://github.com/rootwarden/rootwarden/releases/latest/download/install.sh | sh
#   curl -sSfL .../install.sh | sh -s -- --version v0.1.0 --dir /usr/local/bin
#
# Options (each also read from the environment):
#   --version V   ROOTWARDEN_VERSION       a release tag (v0.1.0 or 0.1.0) or "latest" (default)
#   --dir D       ROOTWARDEN_INSTALL_DIR   where the binary goes (default: ~/.local/bin)
#   --target T    ROOTWARDEN_TARGET        a target triple, instead of detecting this machine's
#   ROOTWARDEN_RELEASES_URL   the releases to download from
#                             (default https://github.com/rootwarden/rootwarden/releases)
#
# Nothing is installed unless the archive's sha256 matches its line in SHA256SUMS.
set -eu

releases="${ROOTWARDEN_RELEASES_URL:-https://github.com/rootwarden/rootwarden/releases}"
version="${ROOTWARDEN_VERSION:-latest}"
dir="${ROOTWARDEN_INSTALL_DIR:-${HOME:-}/.local/bin}"
target="${ROOTWARDEN_TARGET:-}"

usage() {
  cat <<'EOF'
Install rootwarden from a GitHub release (the archive's sha256 is checked against SHA256SUMS).

  install.sh [--version V] [--dir D] [--target T]

  --version V  a release tag (v0.1.0 or 0.1.0) or "latest" (default; ROOTWARDEN_VERSION)
  --dir D      where the binary goes (default ~/.local/bin; ROOTWARDEN_INSTALL_DIR)
  --target T   a target triple instead of this machine's (ROOTWARDEN_TARGET)

ROOTWARDEN_RELEASES_URL names another release server (a mirror, a test server).
EOF
}
say() { printf 'rootwarden install: %s\n' "$*" >&2; }
die() {
  printf 'rootwarden install: error: %s\n' "$*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a value"; version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --dir=*) dir="${1#*=}"; shift ;;
    --target) [ $# -ge 2 ] || die "--target needs a value"; target="$2"; shift 2 ;;
    --target=*) target="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (options: --version V, --dir D, --target T)" ;;
  esac
done
[ -n "$dir" ] || die "no install directory: set --dir or HOME"

supported="Linux x86_64 and aarch64, macOS x86_64 and arm64, Windows x86_64"
if [ -z "$target" ]; then
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$os" in
    Linux) os_id=linux ;;
    Darwin) os_id=darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) os_id=windows ;;
    *) os_id=other ;;
  esac
  case "$arch" in
    x86_64 | amd64 | x64) arch_id=x86_64 ;;
    aarch64 | arm64) arch_id=aarch64 ;;
    *) arch_id=other ;;
  esac
  case "$os_id/$arch_id" in
    linux/x86_64) target=x86_64-unknown-linux-musl ;;
    linux/aarch64) target=aarch64-unknown-linux-musl ;;
    darwin/x86_64) target=x86_64-apple-darwin ;;
    darwin/aarch64) target=aarch64-apple-darwin ;;
    windows/x86_64) target=x86_64-pc-windows-msvc ;;
    *) die "no prebuilt rootwarden for $os $arch (prebuilt: $supported); build it from source with: cargo install --locked --git https://github.com/rootwarden/rootwarden" ;;
  esac
fi
case "$target" in
  x86_64-pc-windows-msvc) ext=zip; exe=rootwarden.exe ;;
  x86_64-unknown-linux-musl | aarch64-unknown-linux-musl | x86_64-apple-darwin | aarch64-apple-darwin)
    ext=tar.gz; exe=rootwarden ;;
  *) die "no prebuilt rootwarden for target $target (prebuilt: $supported)" ;;
esac
asset="rootwarden-$target.$ext"

case "$version" in
  latest) base="$releases/latest/download" ;;
  v*) base="$releases/download/$version" ;;
  *) base="$releases/download/v$version" ;;
esac

fetch() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1" || die "could not download $1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "could not download $1"
  else
    die "neither curl nor wget is installed"
  fi
}

sha256_of() { # FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  else
    die "cannot verify the download: no sha256sum, shasum or openssl; not installing"
  fi
}

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t rootwarden)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

say "downloading $asset ($version) from $base"
fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS"
fetch "$base/$asset" "$tmp/$asset"

# sha256sum's format: "HASH  NAME" (or "HASH *NAME" in binary mode).
expected="$(awk -v n="$asset" '$2 == n || $2 == "*" n { print tolower($1); exit }' "$tmp/SHA256SUMS")"
[ -n "$expected" ] || die "SHA256SUMS of $version lists no $asset; not installing"
actual="$(sha256_of "$tmp/$asset" | tr 'A-F' 'a-f')"
[ "$expected" = "$actual" ] ||
  die "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; not installing"
say "sha256 verified: $actual"

mkdir "$tmp/x"
case "$ext" in
  zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$tmp/$asset" -d "$tmp/x"
    else
      tar -xf "$tmp/$asset" -C "$tmp/x"
    fi ;;
  *) tar -xzf "$tmp/$asset" -C "$tmp/x" ;;
esac
src="$tmp/x/rootwarden-$target/$exe"
[ -f "$src" ] || die "$asset has no rootwarden-$target/$exe"

mkdir -p "$dir" || die "cannot create $dir"
# Copy next to the destination, then rename: a running rootwarden is not overwritten in place.
cp "$src" "$dir/.$exe.$$" || die "cannot write to $dir"
chmod 755 "$dir/.$exe.$$"
mv -f "$dir/.$exe.$$" "$dir/$exe" || die "cannot write $dir/$exe"

out="$("$dir/$exe" --version 2>&1)" || die "$dir/$exe was installed but does not run: $out"
say "installed $dir/$exe: $(printf '%s\n' "$out" | head -n 1)"
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *) say "$dir is not on PATH; add it with: export PATH=\"$dir:\$PATH\"" ;;
esac
