#!/usr/bin/env bash
# The action's run step: rootwarden with the user's arguments plus the requirements file,
# --fail-on, a SARIF location in the user's repository and the reports; the exit code and the
# outcome counts become step outputs, and a summary goes to the job page. The step itself
# succeeds so that SARIF is uploaded before the action's last step gates on the exit code.
# In: ARGS, REQUIREMENTS, FAIL_ON, SARIF_CATEGORY, OUTPUT_DIR; GitHub's GITHUB_* variables.
set -uo pipefail

out="${OUTPUT_DIR:-rootwarden-reports}"
mkdir -p "$out"

# Arguments split at whitespace (no globbing, no quotes: a path with spaces cannot be given).
set -f
# shellcheck disable=SC2206
args=(${ARGS:-scan})
set +f
case "${args[0]:-}" in
  scan | evaluate) ;;
  *)
    echo "::error::rootwarden action: args must start with scan or evaluate, not '${args[0]:-}'"
    echo "exit-code=2" >>"$GITHUB_OUTPUT"
    exit 0 ;;
esac

given() { # FLAG: whether the user's arguments already carry it
  local a
  for a in "${args[@]}"; do
    [[ "$a" == "$1" || "$a" == "$1="* ]] && return 0
  done
  return 1
}

cmd=("${args[@]}")
requirements="${REQUIREMENTS:-}"
requirements="${requirements#./}"
[ -z "$requirements" ] || given --requirements || cmd+=(--requirements "$requirements")
given --fail-on || cmd+=(--fail-on "${FAIL_ON:-high}")
given --sarif-category || cmd+=(--sarif-category "${SARIF_CATEGORY:-rootwarden}")
if ! given --sarif-artifact; then
  # Code scanning shows a result at a file of this repository: the requirements file, else
  # the workflow that ran the scan (GITHUB_WORKFLOW_REF is OWNER/REPO/PATH@REF).
  artifact="$requirements"
  if [ -z "$artifact" ] && [ -n "${GITHUB_WORKFLOW_REF:-}" ]; then
    artifact="${GITHUB_WORKFLOW_REF#"${GITHUB_REPOSITORY:-}"/}"
    artifact="${artifact%@*}"
  fi
  [ -z "$artifact" ] || cmd+=(--sarif-artifact "$artifact")
fi
sarif="$out/rootwarden.sarif"
json="$out/rootwarden.json"
junit="$out/junit.xml"
rm -f "$sarif" "$json" "$junit"
cmd+=(-o text -o "sarif=$sarif" -o "json=$json" -o "junit=$junit")

echo "rootwarden ${cmd[*]}"
rootwarden "${cmd[@]}"
code=$?
echo "exit-code=$code" >>"$GITHUB_OUTPUT"

[ -s "$sarif" ] && echo "sarif-file=$sarif" >>"$GITHUB_OUTPUT"
[ -s "$junit" ] && echo "junit-file=$junit" >>"$GITHUB_OUTPUT"
if [ -s "$json" ]; then
  echo "json-file=$json" >>"$GITHUB_OUTPUT"
  counts=""
  if command -v jq >/dev/null 2>&1; then
    counts="$(jq -r '.summary.outcomes | "failed=\(.fail)", "insufficient-data=\(.insufficient_data)",
      "passed=\(.pass)", "not-applicable=\(.not_applicable)", "waived=\(.waived)"' "$json")"
  elif command -v python3 >/dev/null 2>&1; then
    counts="$(python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))["summary"]["outcomes"]
for name, key in [("failed", "fail"), ("insufficient-data", "insufficient_data"),
                  ("passed", "pass"), ("not-applicable", "not_applicable"), ("waived", "waived")]:
    print(f"{name}={o[key]}")' "$json")"
  fi
  if [ -n "$counts" ]; then
    echo "$counts" >>"$GITHUB_OUTPUT"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      {
        echo "### rootwarden (exit $code)"
        echo
        echo "| outcome | controls |"
        echo "|---|---|"
        while IFS='=' read -r name value; do
          echo "| $name | $value |"
        done <<<"$counts"
      } >>"$GITHUB_STEP_SUMMARY"
    fi
  else
    echo "::warning::rootwarden action: neither python3 nor jq could read $json; no counts"
  fi
fi
exit 0
