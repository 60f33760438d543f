#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs what the tests need, starts throwaway servers on
# 127.0.0.1, runs every test, and ends with one line: "tests: N passed, N failed, N skipped".
# Usage: eng/test.sh [extra dotnet test arguments, e.g. --filter Category!=Integration]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

log() { printf '\n== %s\n' "$*" >&2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 CI=${CI:-true}

# ---- packages the tests need --------------------------------------------------------------------------------
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
apt_packages=()
# Real XGBoost models for the parity tests come from Debian's xgboost (PyPI is not reachable).
/usr/bin/python3 -c 'import xgboost, sklearn' 2>/dev/null || apt_packages+=(python3-xgboost python3-sklearn)
if [ ${#apt_packages[@]} -gt 0 ]; then
  log "Installing ${apt_packages[*]}"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

# ---- servers the integration tests use (added as the features that need them land) --------------------------
cleanup() { :; }
trap cleanup EXIT

# ---- build and test ------------------------------------------------------------------------------------------
log "Building (Release)"
if ! dotnet build SkillInference.sln -c Release -warnaserror 2>&1 | tail -n 3; then
  echo "tests: 0 passed, 1 failed, 0 skipped (the build failed)"
  exit 1
fi

log "Running tests"
dotnet test SkillInference.sln -c Release --no-build \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=minimal" \
  --results-directory "$RESULTS" "$@"
status=$?

# ---- the summary line CI reads, from the TRX counters ---------------------------------------------------------
passed=0; failed=0; skipped=0
for trx in "$RESULTS"/*.trx "$RESULTS"/*/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
