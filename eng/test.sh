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
# The Redis cache tests start their own redis-server processes (so they can kill and restart them).
[ -x /usr/bin/redis-server ] || apt_packages+=(redis-server)
# The batch integration tests run on a real PostgreSQL (started below).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_packages+=(postgresql)
if [ ${#apt_packages[@]} -gt 0 ]; then
  log "Installing ${apt_packages[*]}"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

# ---- retraining pipeline and deployment: what their tests need (issue 14) -------------------------------------
# SkillInference.Tests/Integration/RetrainingPipeline.cs executes notebooks/train_skills.ipynb headless with nbconvert
# (Debian's jupyter, pandas, matplotlib, xgboost, scikit-learn); ReportCommandTests render the report in Debian's
# headless chromium; CloudRunServiceTests parse deploy/cloudrun/service.yaml with python3-yaml; the published host runs
# as nobody through setpriv (util-linux). shellcheck lints deploy/deploy.sh after the tests (below).
retraining_packages=()
[ -x /usr/bin/jupyter ] && /usr/bin/python3 -c 'import nbconvert, ipykernel, pandas, matplotlib' 2>/dev/null \
  || retraining_packages+=(jupyter-nbconvert python3-ipykernel python3-matplotlib python3-pandas)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || retraining_packages+=(python3-yaml)
[ -x /usr/bin/chromium ] || retraining_packages+=(chromium)
command -v shellcheck >/dev/null || retraining_packages+=(shellcheck)
command -v setpriv >/dev/null || retraining_packages+=(util-linux)
# Monitoring (issue 12): promtool checks deploy/prometheus/alerts.yml after the tests (below).
command -v promtool >/dev/null || retraining_packages+=(prometheus)
if [ ${#retraining_packages[@]} -gt 0 ]; then
  log "Installing ${retraining_packages[*]} (retraining notebook, report rendering, deployment checks)"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${retraining_packages[@]}" >/dev/null \
    || echo "apt-get install ${retraining_packages[*]} failed; the retraining and report tests will fail" >&2
fi
# ---- end of retraining pipeline and deployment packages ---------------------------------------------------------

# ---- servers the integration tests use (added as the features that need them land) --------------------------
cleanup() { :; }
trap cleanup EXIT

# ---- PostgreSQL for the batch integration tests (SkillInference.Tests/Integration, issue 4) ------------------
# A throwaway cluster on a free 127.0.0.1 port (fsync off), owned by the postgres user when run as root; its
# connection string goes to the tests in SKILLINF_TEST_POSTGRES. Without it those tests fail and say how to run them.
start_postgres() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$PGBIN" ]; then echo "PostgreSQL is not installed; the batch integration tests will fail" >&2; return 1; fi
  PGPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  PGROOT=$(mktemp -d /tmp/skillinf-pg.XXXXXX)
  pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGROOT"
  chmod 700 "$PGROOT"
  pg_as "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$PGROOT/initdb.log" 2>&1 \
    && pg_as "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
    && pg_as "$PGBIN/psql" -h "$PGROOT" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -q \
         -c "CREATE ROLE app LOGIN PASSWORD 'app';" -c "CREATE DATABASE skills OWNER app;" \
    || { echo "PostgreSQL did not start:" >&2; cat "$PGROOT"/*.log >&2; return 1; }
  export SKILLINF_TEST_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=app;Password=app;Database=skills"
  log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
}
stop_postgres() {
  if [ -n "${PGROOT:-}" ] && [ -d "$PGROOT" ]; then
    pg_as "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGROOT"
  fi
}
# Chain onto whatever cleanup already does, so that each server section stops its own server on exit.
eval "$(declare -f cleanup | sed '1s/^cleanup/cleanup_before_postgres/')"
cleanup() { stop_postgres; cleanup_before_postgres; }
start_postgres || true
# ---- end of PostgreSQL section --------------------------------------------------------------------------------

# ---- Cloud Storage emulator for the GCS model store tests (SkillInference.Tests/Integration/Gcs*, issue 6) ---------
# eng/gcs-emulator: the firebase-tools storage emulator, started by start.js without Java, with its fix for
# multi-chunk resumable uploads (npm ci into eng/gcs-emulator/node_modules, git-ignored, redone when the lock file
# changes). Its address goes to the tests and to the embedding sample in STORAGE_EMULATOR_HOST (its log in
# SKILLINFERENCE_GCS_EMULATOR_LOG); without it the GCS integration tests fail and say how to run them.
start_gcs_emulator() {
  local dir="$ROOT/eng/gcs-emulator" lock_sum stamp started
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "node and npm are needed for the Cloud Storage emulator; the GCS integration tests will fail" >&2; return 1
  fi
  stamp="$dir/node_modules/.skillinference-lock.sha256"
  lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    log "Installing the Cloud Storage emulator (npm ci: firebase-tools, pinned)"
    if ! (cd "$dir" && npm ci --omit=optional --no-audit --no-fund --loglevel=error) >"$RESULTS/gcs-emulator-npm.log" 2>&1; then
      echo "npm ci in eng/gcs-emulator failed:" >&2; tail -n 30 "$RESULTS/gcs-emulator-npm.log" >&2; return 1
    fi
    echo "$lock_sum" >"$stamp"
  fi
  GCS_EMULATOR_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  GCS_EMULATOR_LOG="$RESULTS/gcs-emulator.log"
  started=$(date +%s%N)
  # Its blobs live under $TMPDIR/firebase/storage, and an emulator deletes that folder when it stops: a private TMPDIR
  # keeps another emulator on the same machine (another checkout's test run) from pulling it away mid-run.
  GCS_EMULATOR_TMP=$(mktemp -d /tmp/skillinf-gcs.XXXXXX)
  TMPDIR="$GCS_EMULATOR_TMP" node "$dir/start.js" "$GCS_EMULATOR_PORT" >"$GCS_EMULATOR_LOG" 2>&1 &
  GCS_EMULATOR_PID=$!
  for _ in $(seq 1 300); do
    if node -e 'require("http").get(process.argv[1],r=>process.exit(r.statusCode===200?0:1)).on("error",()=>process.exit(1))' \
         "http://127.0.0.1:$GCS_EMULATOR_PORT/b/skillinference-tests/o?maxResults=1" 2>/dev/null; then
      export STORAGE_EMULATOR_HOST="http://127.0.0.1:$GCS_EMULATOR_PORT" SKILLINFERENCE_GCS_EMULATOR_LOG="$GCS_EMULATOR_LOG"
      log "Cloud Storage emulator on $STORAGE_EMULATOR_HOST (answering after $(( ($(date +%s%N) - started) / 1000000 )) ms)"
      return 0
    fi
    kill -0 "$GCS_EMULATOR_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "The Cloud Storage emulator did not start:" >&2; cat "$GCS_EMULATOR_LOG" >&2
  stop_gcs_emulator; return 1
}
stop_gcs_emulator() {
  if [ -n "${GCS_EMULATOR_PID:-}" ]; then
    kill "$GCS_EMULATOR_PID" 2>/dev/null; wait "$GCS_EMULATOR_PID" 2>/dev/null; GCS_EMULATOR_PID=
  fi
  if [ -n "${GCS_EMULATOR_TMP:-}" ]; then rm -rf "$GCS_EMULATOR_TMP"; fi
}
eval "$(declare -f cleanup | sed '1s/^cleanup/cleanup_before_gcs_emulator/')"
cleanup() { stop_gcs_emulator; cleanup_before_gcs_emulator; }
start_gcs_emulator || true
# ---- end of Cloud Storage emulator section ------------------------------------------------------------------------

# ---- build and test ------------------------------------------------------------------------------------------
# The host as the container image ships it (deploy/publish-host.sh: self-contained, composite ReadyToRun), published
# once before the tests so that its minutes of ahead-of-time compilation do not compete with running tests; the
# published-host tests (PublishedHostEndToEndTests, HostStartupTests) run a copy of it. Before the build, which then
# finds the libraries compiled and leaves their outputs exactly as a plain Release build writes them (for dotnet pack).
log "Publishing the host as the container image ships it (deploy/publish-host.sh)"
published_host="$ROOT/artifacts/published-host"
rm -rf "$published_host"
if bash deploy/publish-host.sh "$published_host" -v quiet >"$RESULTS/publish-host.log" 2>&1; then
  export SKILLINF_TEST_PUBLISHED_HOST="$published_host"
else
  tail -n 30 "$RESULTS/publish-host.log" >&2
  echo "deploy/publish-host.sh failed (log above); the published-host tests will try it again and fail" >&2
fi

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

# ---- NuGet packages and the embedding sample (issue 6) -----------------------------------------------------------
# `dotnet pack` writes the library packages to nuget/feed (git-ignored). samples/EmbeddingSample (not in the
# solution) installs them from there as another team's app would, and scores students from a store made by
# `skillinf samples` in a folder and in the emulator bucket; a fresh `dotnet new console` proves the packages install.
# These restores use their own NUGET_PACKAGES folder (artifacts/, git-ignored) without any SkillInference package in
# it, so a re-packed version with the same number is never taken from a cache. A failure here fails the run.
log "Packing the NuGet packages; running the embedding sample against them"
(
  set -e
  export NUGET_PACKAGES="$ROOT/artifacts/nuget-packages"
  rm -rf "$ROOT/nuget/feed" "$NUGET_PACKAGES"/skillinference.*
  dotnet pack SkillInference.sln -c Release --no-build >"$RESULTS/pack.log" 2>&1 || { tail -n 30 "$RESULTS/pack.log" >&2; exit 1; }
  version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$ROOT/Directory.Build.props" | head -n 1)
  packages=$(cd "$ROOT/nuget/feed" && ls *.nupkg | sed "s/\.$version\.nupkg\$//" | grep -v '^SkillInference\.Cli$')
  echo "packed $version: $(echo $packages)" >&2
  work=$(mktemp -d /tmp/skillinf-packages.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  skillinf() { dotnet "$ROOT/SkillInference.Cli/bin/Release/net10.0/skillinf.dll" "$@"; }
  run_sample() {
    dotnet run --project "$ROOT/samples/EmbeddingSample" -c Release --no-build -- "$1" | tee "$RESULTS/embedding-sample-$2.txt"
    grep -q '^Serving 7 skills' "$RESULTS/embedding-sample-$2.txt"
  }
  dotnet build "$ROOT/samples/EmbeddingSample" -c Release -nologo -v quiet -warnaserror >"$RESULTS/embedding-sample-build.log" 2>&1 \
    || { tail -n 30 "$RESULTS/embedding-sample-build.log" >&2; exit 1; }
  skillinf samples --store "$work/store" --students 2000 >"$RESULTS/embedding-sample-store.log" 2>&1
  run_sample "$work/store" folder
  if [ -z "${STORAGE_EMULATOR_HOST:-}" ]; then echo "no Cloud Storage emulator: the sample cannot be run against a bucket" >&2; exit 1; fi
  bucket="gs://skillinference-sample/run-$(date +%s)-$$"
  skillinf samples --store "$bucket" --students 2000 >>"$RESULTS/embedding-sample-store.log" 2>&1
  run_sample "$bucket" gcs
  mkdir "$work/fresh" && cd "$work/fresh"
  dotnet new console -n FreshConsumer -o . >/dev/null
  printf '<configuration>\n  <packageSources>\n    <add key="skillinference-local-feed" value="%s" />\n  </packageSources>\n</configuration>\n' "$ROOT/nuget/feed" >nuget.config
  for package in $packages; do dotnet add package "$package" --version "$version" --no-restore >/dev/null; done
  cat >Program.cs <<'CS'
using Microsoft.Extensions.DependencyInjection;
var services = new ServiceCollection();
services.AddSkillInference().UseGcsModelStore(o => o.Bucket = "mass-production-ml-models");
services.AddSkillInference().UseFileSystemModelStore("store");
Console.WriteLine($"{services.Count} services registered");
CS
  dotnet build -c Release -nologo -v quiet >"$RESULTS/fresh-project-build.log" 2>&1 || { tail -n 30 "$RESULTS/fresh-project-build.log" >&2; exit 1; }
  echo "a fresh console project installed and built against: $(echo $packages)" >&2
)
# (Not `if ! ( ... )`: bash ignores set -e inside a subshell that is tested.)
if [ $? -ne 0 ]; then
  echo "The NuGet packages or the embedding sample failed (logs in TestResults/)" >&2
  status=1
fi
# ---- end of NuGet packages section --------------------------------------------------------------------------------

# ---- deployment script checks (issue 14) ----------------------------------------------------------------------------
# deploy/deploy.sh must parse and be shellcheck-clean; its behaviour (staging first, stop at the first failure) is
# tested with stand-in tools by CloudRunServiceTests. A failure here fails the run.
log "Checking deploy/deploy.sh (bash -n, shellcheck)"
if ! bash -n deploy/deploy.sh || ! shellcheck deploy/deploy.sh; then
  echo "deploy/deploy.sh does not pass bash -n and shellcheck" >&2
  status=1
fi
# ---- end of deployment script checks --------------------------------------------------------------------------------

# ---- monitoring rules (issue 12): the Prometheus alerting rules must load in promtool; the Grafana dashboard is JSON --
log "Checking deploy/prometheus/alerts.yml (promtool) and deploy/grafana/skillinference.json"
if ! promtool check rules deploy/prometheus/alerts.yml; then
  echo "deploy/prometheus/alerts.yml does not pass promtool check rules" >&2
  status=1
fi
if ! /usr/bin/python3 -m json.tool deploy/grafana/skillinference.json >/dev/null; then
  echo "deploy/grafana/skillinference.json is not valid JSON" >&2
  status=1
fi
# ---- end of monitoring rule checks ----------------------------------------------------------------------------------

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
