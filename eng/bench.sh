#!/usr/bin/env bash
# The performance suite (issues 7, 5 and 10), from models to SkillInference.Benchmarks/RESULTS.md, in one command:
#
#   bash eng/bench.sh            the full suite (about 55 minutes on 2 cores)
#   bash eng/bench.sh --short    a quick check that everything works (about 15 minutes; wide error bars)
#
# Options: --no-batch-e2e  skip the batch-into-PostgreSQL measurements (run when PostgreSQL is installed; --short runs
#                          them on 10,000 students instead of 100,000)
#
# Steps (each logged with the load average, which RESULTS.md reports: the machine may be shared):
#   1. installs what it needs (python3-xgboost, python3-sklearn, python3-onnx, python3-pandas, wrk, redis-server)
#   2. builds the benchmarks, the host and the CLI in Release, into artifacts/bench/build (apart from the usual bin/ and
#      obj/, so a build here never races another build of the same projects), and publishes the CLI twice: self-contained
#      with composite ReadyToRun (the runtime and the tool precompiled together, as a container image ships it) and
#      framework-dependent ReadyToRun (as `dotnet tool install` would run it); the host as its image ships it
#      (deploy/publish-host.sh) and the benchmarks precompiled the same way (for step 9)
#   3. models, cached in artifacts/bench/work and made again when missing: XGB-300x6 and the deep XGB-400x8
#      (tools/bench/make_xgboost_model.py, real xgboost) and their ONNX conversions (tools/bench/xgboost_to_onnx.py);
#      then `--prepare`: the xgboost-json bundles, FT-300 (ML.NET FastTree) and its ONNX export, the seven sample
#      models, the timing rows — all checked to agree
#   4. BenchmarkDotNet: single rows, one student's seven skills, batches of 1k/100k/1M rows (ours, ML.NET, ONNX Runtime)
#   5. Python xgboost on the same models and rows (tools/bench/time_xgboost.py)
#   6. `skillinf predict` against Python (pandas + xgboost, tools/bench/predict_pandas.py) on one CSV, and the kernel alone
#   7. the host over HTTP: fixed rate (open loop) and saturation (wrk), student ids with the cache off and on,
#      /infer/batch (the sample models; XGB-300x6 beside the kernel alone)
#   8. the result cache replay: two hosts sharing a Redis, a day of traffic with feature updates and a deploy at noon;
#      then the host's cold start (tools/bench/host_cold_start.sh): the framework-dependent build against the container
#      image's (deploy/publish-host.sh, published in step 2)
#   9. batch inference into a throwaway PostgreSQL: the seven sample skills (issue 4), then XGB-300x6 beside the kernel;
#      run from the benchmarks published as the host image is (self-contained, composite ReadyToRun)
#  10. writes SkillInference.Benchmarks/RESULTS.md (the suite's block; the rest of the file is kept)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SHORT=0
BATCH_E2E=1
for arg in "$@"; do
  case "$arg" in
    --short) SHORT=1 ;;
    --no-batch-e2e) BATCH_E2E=0 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (use --short, --no-batch-e2e)" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export SKILLINF_BENCH_WORK="$ROOT/artifacts/bench/work"
export SKILLINF_BENCH_SHORT=$SHORT
WORK=$SKILLINF_BENCH_WORK
RESULTS=$WORK/results
BUILD=$ROOT/artifacts/bench/build
BENCH="$BUILD/bin/SkillInference.Benchmarks/release/SkillInference.Benchmarks.dll"
HOST="$BUILD/bin/SkillInference.Host/release/SkillInference.Host.dll"
# The batch worker's measurements run precompiled, as the host image runs the worker (step 9).
BENCH_COMPOSITE="$BUILD/publish/benchmarks-composite/SkillInference.Benchmarks"
# skillinf as a bulk-scoring deployment would install it: self-contained, the runtime and the tool precompiled together
# (composite ReadyToRun: almost nothing left to JIT at start-up); beside it the framework-dependent ReadyToRun build.
CLI="$BUILD/publish/skillinf-composite/skillinf"
CLI_FRAMEWORK="$BUILD/publish/skillinf/skillinf.dll"
PY=/usr/bin/python3
COMMAND="bash eng/bench.sh$([ "$SHORT" -eq 1 ] && echo ' --short' || true)"

log() { printf '\n== %s\n' "$*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# phase NAME COMMAND...: runs a step, appending "name, start, end, load at start, load at end" to results/phases.tsv.
phase() {
  local name=$1; shift
  local start load_start
  start=$(date -u +%Y-%m-%dT%H:%M:%SZ); load_start=$(load)
  log "$name (load average $load_start)"
  "$@"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$start" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$load_start" "$(load)" >>"$RESULTS/phases.tsv"
}

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# ---- 1. what the suite needs ---------------------------------------------------------------------------------------
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
packages=()
$PY -c 'import xgboost, sklearn' 2>/dev/null || packages+=(python3-xgboost python3-sklearn)
$PY -c 'import onnx' 2>/dev/null || packages+=(python3-onnx)
$PY -c 'import pandas' 2>/dev/null || packages+=(python3-pandas)
command -v wrk >/dev/null || packages+=(wrk)
command -v redis-server >/dev/null || packages+=(redis-server)
if [ ${#packages[@]} -gt 0 ]; then
  log "Installing ${packages[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${packages[@]}" >/dev/null \
    || { as_root apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${packages[@]}" >/dev/null; }
fi

# ---- 2. Release build -----------------------------------------------------------------------------------------------
# logged NAME DESCRIPTION COMMAND...: runs a build step into results/NAME.log; on failure says so with its errors.
logged() {
  local name=$1 description=$2
  shift 2
  if ! "$@" >"$RESULTS/$name.log" 2>&1; then
    echo "$description failed ($RESULTS/$name.log):" >&2
    grep -E ': (error|warning) ' "$RESULTS/$name.log" | sort -u | head -n 20 >&2
    return 1
  fi
}
build() {
  local project
  for project in SkillInference.Benchmarks SkillInference.Host SkillInference.Cli; do
    logged "build-$project" "The Release build of $project" \
      dotnet build "$project" -c Release --artifacts-path "$BUILD" -warnaserror -nologo -v quiet || return 1
  done
  # Each publish has its own intermediate folder: ReadyToRun images of one kind (framework-dependent, or the parts of a
  # composite) left in a shared one were taken up by the next publish of another kind, whose tool then aborted at start.
  # Composite: self-contained, the runtime and the app precompiled together, as a container image ships it.
  local composite=(-r linux-x64 --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true)
  logged publish-skillinf "Publishing skillinf (ReadyToRun)" \
    dotnet publish SkillInference.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
      --artifacts-path "$BUILD/publish-work/skillinf" -o "$BUILD/publish/skillinf" -warnaserror -nologo -v quiet || return 1
  logged publish-skillinf-composite "Publishing skillinf (self-contained, composite ReadyToRun)" \
    dotnet publish SkillInference.Cli -c Release "${composite[@]}" \
      --artifacts-path "$BUILD/publish-work/skillinf-composite" -o "$BUILD/publish/skillinf-composite" -warnaserror -nologo -v quiet || return 1
  # The benchmarks precompiled as the host image is, for the batch worker's measurements (step 9): the worker runs in
  # the host, whose image is published so (deploy/publish-host.sh).
  logged publish-benchmarks-composite "Publishing the benchmarks (composite ReadyToRun)" \
    dotnet publish SkillInference.Benchmarks -c Release "${composite[@]}" \
      --artifacts-path "$BUILD/publish-work/benchmarks-composite" -o "$BUILD/publish/benchmarks-composite" -warnaserror -nologo -v quiet || return 1
  # The host as the container image ships it, for the cold-start comparison (step 8).
  logged publish-host-image "Publishing the host image's app (deploy/publish-host.sh)" \
    bash deploy/publish-host.sh "$BUILD/publish/host-image" --artifacts-path "$BUILD/publish-work/host-image" -warnaserror -v quiet || return 1
}
phase "build (Release)" build

# ---- 3. models ------------------------------------------------------------------------------------------------------
XGB=$WORK/xgb
XGB_DEEP=$WORK/xgb-400x8
# xgb_model DIR ARGS...: the model of make_xgboost_model.py ARGS in DIR and its ONNX conversion, made when missing or older than the scripts.
xgb_model() {
  local dir=$1; shift
  if [ ! -f "$dir/rows.bin" ] || [ ! -f "$dir/expected.bin" ] || [ ! -f "$dir/export/model.json" ] || [ ! -f "$dir/train.csv" ] \
     || [ "$ROOT/tools/bench/make_xgboost_model.py" -nt "$dir/info.json" ]; then
    $PY tools/bench/make_xgboost_model.py --out "$dir" "$@"
  fi
  if [ ! -f "$dir/model.onnx" ] || [ "$dir/export/model.json" -nt "$dir/model.onnx" ] || [ "$ROOT/tools/bench/xgboost_to_onnx.py" -nt "$dir/model.onnx" ]; then
    $PY tools/bench/xgboost_to_onnx.py --model "$dir/export/model.json" --out "$dir/model.onnx"
  fi
}
models() {
  xgb_model "$XGB"
  xgb_model "$XGB_DEEP" --trees 400 --depth 8 --features 24 --name XGB-400x8
  dotnet "$BENCH" --prepare
}
phase "models (generate if missing, verify)" models

# ---- 4. BenchmarkDotNet ---------------------------------------------------------------------------------------------
phase "BenchmarkDotNet (single rows, seven skills, batches)" dotnet "$BENCH" --suite

# ---- 5. Python xgboost ----------------------------------------------------------------------------------------------
if [ "$SHORT" -eq 1 ]; then py_args=(--sizes 1000,100000 --repeats 3 --single 500); else py_args=(--sizes 1000,100000,1000000 --repeats 5 --single 2000); fi
python_xgboost() {
  $PY -W ignore tools/bench/time_xgboost.py --model "$XGB/export/model.json" --rows "$XGB/rows.bin" --out "$RESULTS/python.json" "${py_args[@]}"
  $PY -W ignore tools/bench/time_xgboost.py --model "$XGB_DEEP/export/model.json" --rows "$XGB_DEEP/rows.bin" --features 24 --out "$RESULTS/python-deep.json" "${py_args[@]}"
}
phase "Python xgboost (same models, same rows)" python_xgboost

# ---- 6. skillinf predict against Python ------------------------------------------------------------------------------
phase "skillinf predict vs pandas + xgboost (200,000 rows)" dotnet "$BENCH" --predict --cli "$CLI" --cli-framework "$CLI_FRAMEWORK" --python "$PY"

# ---- 7. HTTP --------------------------------------------------------------------------------------------------------
phase "HTTP (fixed rate, saturation, student ids, batch)" dotnet "$BENCH" --http --host-dll "$HOST"

# ---- 8. cache replay ------------------------------------------------------------------------------------------------
phase "cache replay (2 hosts + Redis)" dotnet "$BENCH" --cache-replay --host-dll "$HOST"

# ---- host cold start --------------------------------------------------------------------------------------------------
# A new instance, as Cloud Run starts one: time to /health/ready and the first /infer/batch (1,000 items of the seven
# sample skills), the framework-dependent build (JIT) against deploy/publish-host.sh's (composite ReadyToRun).
host_cold_start() {
  head -n 1 "$WORK/http/batch-bodies.txt" >"$WORK/http/cold-start-body.json"
  {
    printf 'Measured %s on %s (%s).\n\n' "$(date -u +%Y-%m-%d)" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(nproc) cores"
    bash tools/bench/host_cold_start.sh --store "$WORK/http/store" --body "$WORK/http/cold-start-body.json" --runs "$([ "$SHORT" -eq 1 ] && echo 3 || echo 11)" \
      "framework-dependent, JIT (dotnet SkillInference.Host.dll)=dotnet $HOST" \
      "deploy/publish-host.sh: self-contained, composite ReadyToRun (the image)=$BUILD/publish/host-image/SkillInference.Host"
  } >"$RESULTS/host-cold-start.md"
  cat "$RESULTS/host-cold-start.md"
}
phase "host cold start (JIT vs composite ReadyToRun)" host_cold_start

# ---- 9. batch inference into PostgreSQL -----------------------------------------------------------------------------
PGROOT=
stop_postgres() {
  if [ -n "$PGROOT" ] && [ -d "$PGROOT" ]; then
    pg_as "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGROOT"
  fi
}
trap stop_postgres EXIT
pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
batch_e2e() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  PGPORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  PGROOT=$(mktemp -d /tmp/skillinf-bench-pg.XXXXXX)
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGROOT"
  chmod 700 "$PGROOT"
  pg_as "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$PGROOT/initdb.log" 2>&1
  pg_as "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  pg_as "$PGBIN/psql" -h "$PGROOT" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE app LOGIN PASSWORD 'app';" -c "CREATE DATABASE skills OWNER app;"
  local students=100000
  [ "$SHORT" -eq 1 ] && students=10000
  export SKILLINF_BENCH_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=app;Password=app;Database=skills"
  "$BENCH_COMPOSITE" --batch-e2e --students $students --shard-size 1000 --parallel 2 >"$RESULTS/batch-e2e.md"
  cat "$RESULTS/batch-e2e.md"
  "$BENCH_COMPOSITE" --batch-e2e --xgb --students $students --shard-size 1000 --parallel 2 >"$RESULTS/batch-xgb.md"
  cat "$RESULTS/batch-xgb.md"
  unset SKILLINF_BENCH_POSTGRES
  stop_postgres
}
if [ "$BATCH_E2E" -eq 1 ]; then
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    phase "batch inference into PostgreSQL (sample skills; XGB-300x6)" batch_e2e
  else
    log "PostgreSQL is not installed: the batch-into-PostgreSQL section of RESULTS.md keeps its earlier numbers"
  fi
fi

# ---- 10. RESULTS.md --------------------------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit with uncommitted changes"
dotnet "$BENCH" --report --command "$COMMAND" --sdk "$(dotnet --version)" --commit "$commit"
log "Done: SkillInference.Benchmarks/RESULTS.md (raw results in $RESULTS)"
