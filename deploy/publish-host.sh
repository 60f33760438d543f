#!/usr/bin/env bash
# Publishes the SkillInference host as the container image ships it, into OUT:
#   deploy/publish-host.sh OUT [more dotnet publish arguments, e.g. --no-restore]
# Self-contained for linux-x64 and compiled ahead of time as one composite ReadyToRun image (the runtime, ASP.NET Core,
# ML.NET and the host precompiled together), so a new Cloud Run instance serves its first request without waiting for
# the JIT: on a 2-core VM, ready in 0.56 s instead of 0.85 s and the first 1,000-item /infer/batch in 26 ms instead of
# 93 ms (SkillInference.Benchmarks/RESULTS.md, "Host cold start"). The executable is OUT/SkillInference.Host.
# deploy/Dockerfile runs this script; so does the test of the published host (SkillInference.Tests/Infrastructure/PublishedHost.cs).
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: deploy/publish-host.sh OUT [dotnet publish arguments]" >&2
  exit 2
fi
out=$1
shift
cd "$(dirname "$0")/.."
dotnet publish SkillInference.Host/SkillInference.Host.csproj -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -o "$out" -nologo "$@"
