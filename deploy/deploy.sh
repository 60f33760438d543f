#!/usr/bin/env bash
# Deploys SkillInference to Cloud Run: staging first, then production with a gradual traffic migration.
#
#   PROJECT_ID=... REGION=europe-west1 IMAGE_TAG=2026-11-27.1 BUNDLES=exported-bundles SERVICE_URL_STAGING=... \
#   SERVICE_URL_PRODUCTION=... CLOUDSQL_INSTANCE=... REDIS_STAGING=... REDIS_PRODUCTION=... VPC_CONNECTOR=... \
#   SMOKE_API_KEY=... bash deploy/deploy.sh
#
# Steps (each printed before it runs; the first failure stops the script, production is never touched when staging
# fails): build and push the image; publish the bundles in $BUNDLES (bundle folders <skill>/<version>/, as
# `skillinf import ... --out` writes them) to the staging prefix of the bucket and deploy them there; apply
# deploy/cloudrun/service.yaml to the staging service; `skillinf smoke` against it; then publish the bundles to the
# production prefix (not deployed yet), create the production revision with no traffic, smoke-test it through its
# tag URL, move traffic to it in steps (TRAFFIC_STEPS, default "10 50 100") with a smoke test and a bake time after
# each, and finally deploy the new bundles in the production registry (PROMOTE_MODELS=1, the default) and smoke again.
# DRY_RUN=1 prints the commands without running them; RENDER_DIR=DIR keeps the rendered service definitions.
# docs/retraining.md has the checklist around it.
set -Eeuo pipefail # -E: the ERR trap below also fires inside functions

: "${PROJECT_ID:?set PROJECT_ID}" "${REGION:?set REGION}" "${IMAGE_TAG:?set IMAGE_TAG}" "${BUNDLES:?set BUNDLES (folder of bundles)}"
: "${SERVICE_URL_STAGING:?set SERVICE_URL_STAGING}" "${SERVICE_URL_PRODUCTION:?set SERVICE_URL_PRODUCTION}"
: "${CLOUDSQL_INSTANCE:?set CLOUDSQL_INSTANCE (PROJECT:REGION:INSTANCE)}" "${VPC_CONNECTOR:?set VPC_CONNECTOR}"
: "${REDIS_STAGING:?set REDIS_STAGING (host:port)}" "${REDIS_PRODUCTION:?set REDIS_PRODUCTION (host:port)}"
BUCKET=${BUCKET:-mass-production-ml-models}
SERVICE=${SERVICE:-skillinference}
IMAGE=${IMAGE:-$REGION-docker.pkg.dev/$PROJECT_ID/skillinference/host:$IMAGE_TAG}
SERVICE_ACCOUNT=${SERVICE_ACCOUNT:-skillinference@$PROJECT_ID.iam.gserviceaccount.com}
TRAFFIC_STEPS=${TRAFFIC_STEPS:-10 50 100}
BAKE_SECONDS=${BAKE_SECONDS:-300}
PROMOTE_MODELS=${PROMOTE_MODELS:-1}
SKILLINF=${SKILLINF:-skillinf}
DRY_RUN=${DRY_RUN:-0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The rendered service definitions go to RENDER_DIR when set (kept, for review), else to a temporary folder.
if [ -n "${RENDER_DIR:-}" ]; then WORK=$RENDER_DIR; mkdir -p "$WORK"; else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi

CURRENT_STEP="start"
trap 'echo "deploy.sh: FAILED at step: $CURRENT_STEP" >&2' ERR

step() { CURRENT_STEP="$*"; printf '\n==> %s\n' "$*" >&2; }
run() {
  printf '+ %s\n' "$*" >&2
  if [ "$DRY_RUN" = 1 ]; then return 0; fi
  "$@"
}
# shellcheck disable=SC2086 # SKILLINF may be a command with arguments (e.g. "dotnet path/to/skillinf.dll")
skillinf() { run $SKILLINF "$@"; }

# The bundle folders: BUNDLES/<skill>/<version>/manifest.json.
mapfile -t bundle_dirs < <(find "$BUNDLES" -mindepth 3 -maxdepth 3 -name manifest.json -printf '%h\n' | sort)
if [ ${#bundle_dirs[@]} -eq 0 ]; then echo "deploy.sh: no bundles (<skill>/<version>/manifest.json) under $BUNDLES" >&2; exit 1; fi

# Renders service.yaml for one environment: every ${NAME} placeholder from the arguments NAME=value (values may span lines).
render() {
  local out=$1; shift
  local text pair name value
  text=$(<"$ROOT/deploy/cloudrun/service.yaml")
  for pair in "$@"; do
    name=${pair%%=*}; value=${pair#*=}
    text=${text//"\${$name}"/$value}
  done
  printf '%s\n' "$text" >"$out"
  # shellcheck disable=SC2016 # the pattern is a literal ${NAME}
  if grep -n '\${[A-Z_]*}' "$out" >&2; then echo "deploy.sh: placeholders left in $out" >&2; return 1; fi
}

publish() { # publish every bundle to a store prefix; with "deploy" also deploy it there
  local store=$1 mode=$2 dir
  for dir in "${bundle_dirs[@]}"; do
    if [ "$mode" = deploy ]; then
      skillinf publish "$dir" --store "$store" --deploy --actor deploy.sh --reason "release $IMAGE_TAG"
    else
      skillinf publish "$dir" --store "$store" --actor deploy.sh --reason "release $IMAGE_TAG"
    fi
  done
}

smoke() { skillinf smoke --url "$1" --api-key "${SMOKE_API_KEY:-}"; }

deploy_models() { # deploy the published bundles' versions in a store's registry
  local store=$1 dir skill version
  for dir in "${bundle_dirs[@]}"; do
    version=$(basename "$dir"); skill=$(basename "$(dirname "$dir")")
    skillinf models deploy "$skill" "$version" --store "$store" --actor deploy.sh --reason "release $IMAGE_TAG"
  done
}

revision=$(echo "$IMAGE_TAG" | tr -c 'a-z0-9\n' '-' | cut -c1-40)

step "build and push the image $IMAGE"
run docker build -f "$ROOT/deploy/Dockerfile" -t "$IMAGE" "$ROOT"
run docker push "$IMAGE"

step "staging: publish and deploy ${#bundle_dirs[@]} bundles to gs://$BUCKET/staging"
publish "gs://$BUCKET/staging" deploy

step "staging: apply the Cloud Run service $SERVICE-staging"
render "$WORK/staging.yaml" SERVICE="$SERVICE-staging" REGION="$REGION" REVISION_SUFFIX="$revision" MIN_INSTANCES=0 MAX_INSTANCES=3 \
  CLOUDSQL_INSTANCE="$CLOUDSQL_INSTANCE" VPC_CONNECTOR="$VPC_CONNECTOR" SERVICE_ACCOUNT="$SERVICE_ACCOUNT" IMAGE="$IMAGE" \
  BUCKET="$BUCKET" STORE_PREFIX=staging REDIS="$REDIS_STAGING" PROJECT_ID="$PROJECT_ID" SERVICE_URL="$SERVICE_URL_STAGING" \
  TRAFFIC="- latestRevision: true
      percent: 100"
run gcloud run services replace "$WORK/staging.yaml" --project "$PROJECT_ID" --region "$REGION"

step "staging: smoke test $SERVICE_URL_STAGING"
smoke "$SERVICE_URL_STAGING"

step "production: publish ${#bundle_dirs[@]} bundles to gs://$BUCKET/prod (not deployed yet)"
publish "gs://$BUCKET/prod" publish-only

step "production: create revision $SERVICE-$revision with no traffic (tag candidate)"
current=$(run gcloud run services describe "$SERVICE" --project "$PROJECT_ID" --region "$REGION" --format 'value(status.traffic[0].revisionName)' || true)
if [ "$DRY_RUN" = 1 ]; then current="$SERVICE-current"; fi
if [ -n "$current" ]; then
  traffic="- revisionName: $current
      percent: 100
    - revisionName: $SERVICE-$revision
      tag: candidate
      percent: 0"
else
  # The first production deployment: there is no revision to shift traffic from.
  echo "deploy.sh: $SERVICE has no serving revision yet: the first revision gets all traffic (tag candidate)" >&2
  traffic="- revisionName: $SERVICE-$revision
      tag: candidate
      percent: 100"
  TRAFFIC_STEPS=100
fi
render "$WORK/production.yaml" SERVICE="$SERVICE" REGION="$REGION" REVISION_SUFFIX="$revision" MIN_INSTANCES=1 MAX_INSTANCES=20 \
  CLOUDSQL_INSTANCE="$CLOUDSQL_INSTANCE" VPC_CONNECTOR="$VPC_CONNECTOR" SERVICE_ACCOUNT="$SERVICE_ACCOUNT" IMAGE="$IMAGE" \
  BUCKET="$BUCKET" STORE_PREFIX=prod REDIS="$REDIS_PRODUCTION" PROJECT_ID="$PROJECT_ID" SERVICE_URL="$SERVICE_URL_PRODUCTION" \
  TRAFFIC="$traffic"
run gcloud run services replace "$WORK/production.yaml" --project "$PROJECT_ID" --region "$REGION"
candidate_url=$(run gcloud run services describe "$SERVICE" --project "$PROJECT_ID" --region "$REGION" --format 'value(status.traffic.filter(tag=candidate).url)' || true)

step "production: smoke test the candidate revision ${candidate_url:-(its tag URL)}"
smoke "${candidate_url:-$SERVICE_URL_PRODUCTION}"

for percent in $TRAFFIC_STEPS; do
  step "production: $percent % of traffic to $SERVICE-$revision"
  run gcloud run services update-traffic "$SERVICE" --project "$PROJECT_ID" --region "$REGION" --to-revisions "$SERVICE-$revision=$percent"
  smoke "$SERVICE_URL_PRODUCTION"
  if [ "$percent" != 100 ]; then
    step "production: bake $BAKE_SECONDS s at $percent % (watch errors, latency and drift on the dashboard)"
    run sleep "$BAKE_SECONDS"
    smoke "$SERVICE_URL_PRODUCTION"
  fi
done

if [ "$PROMOTE_MODELS" = 1 ]; then
  step "production: deploy the new bundles in gs://$BUCKET/prod (the service hot-reloads them)"
  deploy_models "gs://$BUCKET/prod"
  step "production: smoke test after the model deployment"
  run sleep 40 # the reload interval (30 s) and the load
  smoke "$SERVICE_URL_PRODUCTION"
fi

CURRENT_STEP="done"
printf '\n==> deployed %s (revision %s) to staging and production\n' "$IMAGE" "$SERVICE-$revision" >&2
