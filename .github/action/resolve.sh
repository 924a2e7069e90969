#!/usr/bin/env bash
# The action's first step: which release to install ("latest" resolved through the GitHub API,
# so the cache key names a real version) and where the binary is cached.
# In: VERSION, GH_TOKEN, ACTION_REPOSITORY (empty when GitHub leaves it so, e.g. `uses: ./`).
# Out ($GITHUB_OUTPUT): tag, dir, releases-url.
set -euo pipefail

repo="${ACTION_REPOSITORY:-}"
[ -n "$repo" ] || repo=rootwarden/rootwarden
version="${VERSION:-latest}"

if [ "$version" = latest ]; then
  auth=()  # bash 3.2 (macOS) calls an empty "${auth[@]}" unbound: hence ${auth[@]+…} below
  [ -z "${GH_TOKEN:-}" ] || auth=(-H "Authorization: Bearer $GH_TOKEN")
  api="${GITHUB_API_URL:-https://api.github.com}"
  # A failed request (no release, rate limit) leaves the tag empty and is reported below.
  tag="$(curl -fsSL --retry 3 ${auth[@]+"${auth[@]}"} -H "Accept: application/vnd.github+json" \
    "$api/repos/$repo/releases/latest" | sed -n 's/^ *"tag_name": *"\([^"]*\)".*/\1/p' | head -n 1)" || tag=""
  if [ -z "$tag" ]; then
    echo "::error::rootwarden: cannot find the latest release of $repo; set the version input"
    exit 1
  fi
else
  tag="v${version#v}"
fi

dir="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/rootwarden/$tag/${RUNNER_ARCH:-$(uname -m)}"
{
  echo "tag=$tag"
  echo "dir=$dir"
  echo "releases-url=${GITHUB_SERVER_URL:-https://github.com}/$repo/releases"
} >>"$GITHUB_OUTPUT"
echo "rootwarden $tag from $repo"
