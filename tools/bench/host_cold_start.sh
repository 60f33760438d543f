#!/usr/bin/env bash
# Host cold start: how soon a new instance of the host serves, as Cloud Run starts one. For each build, alternately,
# RUNS times: start the host on a store, poll /health/ready every 10 ms until it answers 200, then POST one
# /infer/batch body twice; the host's CPU time is read from /proc when the second answer is in. Prints a Markdown
# table of medians.
#
#   tools/bench/host_cold_start.sh --store DIR --body FILE [--runs 7] NAME=COMMAND [NAME=COMMAND...]
#
# COMMAND starts the host, with absolute paths (it runs in a scratch folder): "dotnet /abs/SkillInference.Host.dll" or
# "/abs/SkillInference.Host". eng/bench.sh runs it on the framework-dependent build and on deploy/publish-host.sh's
# (the container image's).
set -euo pipefail
store=""
body=""
runs=7
builds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --store) store=$2; shift 2 ;;
    --body) body=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *=*) builds+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$store" ] || [ -z "$body" ] || [ ${#builds[@]} -eq 0 ]; then
  echo "usage: host_cold_start.sh --store DIR --body FILE [--runs N] NAME=COMMAND..." >&2
  exit 2
fi
store=$(realpath "$store")
body=$(realpath "$body")

key=benchmark-suite-key-0123456789abcdef
ticks=$(getconf CLK_TCK)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }

# one_run COMMAND: prints "ready_s first_s second_s cpu_s"
one_run() {
  local command=$1 port scratch pid start ready first second cpu
  port=$(free_port)
  scratch=$(mktemp -d)
  start=$(now)
  # shellcheck disable=SC2086 # COMMAND may be "dotnet path.dll"
  (cd "$scratch" && ASPNETCORE_ENVIRONMENT=Production exec $command --urls "http://127.0.0.1:$port" \
     --SkillInference:Auth:ApiKeys:bench:Key=$key --SkillInference:Auth:ApiKeys:bench:Scopes:0=score \
     --SkillInference:Store:Path="$store" --SkillInference:Samples:SeedWhenEmpty=false \
     --Logging:LogLevel:Default=Warning >"$scratch/host.log" 2>&1) &
  pid=$!
  local deadline=$(( $(date +%s) + 120 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)" = 200 ]; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -gt $deadline ]; then
      echo "the host ($command) did not become ready:" >&2
      tail -n 20 "$scratch/host.log" >&2
      kill "$pid" 2>/dev/null || true
      exit 1
    fi
    sleep 0.01
  done
  ready=$(echo "$(now) - $start" | bc)
  post() { curl -s -o /dev/null -w '%{time_total}' -H "X-Api-Key: $key" -H 'Content-Type: application/json' --data-binary "@$body" "http://127.0.0.1:$port/api/v1/skills/infer/batch"; }
  first=$(post)
  second=$(post)
  cpu=$(awk -v t="$ticks" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$pid/stat")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$scratch"
  echo "$ready $first $second $cpu"
}

declare -A samples
for ((r = 1; r <= runs; r++)); do
  for build in "${builds[@]}"; do
    name=${build%%=*}
    samples[$name]+="$(one_run "${build#*=}")"$'\n'
  done
  echo "host cold start: run $r of $runs" >&2
done

items=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$body")
echo "| build | ready (\`/health/ready\` = 200) | first /infer/batch ($items items) | second | host CPU time until then | runs |"
echo "|---|---:|---:|---:|---:|---:|"
for build in "${builds[@]}"; do
  name=${build%%=*}
  printf '%s' "${samples[$name]}" | /usr/bin/python3 -c '
import statistics, sys
name = sys.argv[1]
rows = [list(map(float, line.split())) for line in sys.stdin if line.strip()]
m = [statistics.median(c) for c in zip(*rows)]
print(f"| {name} | {m[0]:.2f} s | {m[1]*1000:.0f} ms | {m[2]*1000:.0f} ms | {m[3]:.2f} s | {len(rows)} |")
' "$name"
done
