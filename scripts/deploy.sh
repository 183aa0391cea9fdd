#!/usr/bin/env bash
# Deploys dbship to the current kubectl context: build the image, apply k8s/, roll out, wait.
# The init container of every new pod runs `dbship deploy` (migrations) before the app starts.
#
#   scripts/deploy.sh                           # docker build -t dbship:latest . && apply && restart
#   scripts/deploy.sh --image registry.example.com/dbship:1.4.2 --push
#   scripts/deploy.sh --no-build --image registry.example.com/dbship:1.4.2
#   scripts/deploy.sh --dry-run                 # print the commands, change nothing
#   scripts/deploy.sh --image REF --print-manifest   # print k8s/02-app.yaml as it would be applied
#   scripts/deploy.sh --image REF --migrate-job      # migrations (a long backfill) as a Job first
#                                                    (with --print-manifest: print that Job)
#
# Environment: CONTAINER_TOOL (docker | podman, default docker), BUILD_CA_BUNDLE (a CA file for npm
# inside the build, passed as a build secret), ROLLOUT_TIMEOUT (default 5m), MIGRATE_JOB_TIMEOUT
# (how long --migrate-job waits for the Job, default 6h).
set -euo pipefail
cd "$(dirname "$0")/.."

image=dbship:latest
build=1
push=0
dry_run=0
print_manifest=0
migrate_job=0
job_timeout=${MIGRATE_JOB_TIMEOUT:-6h}
tool=${CONTAINER_TOOL:-docker}
timeout=${ROLLOUT_TIMEOUT:-5m}
# The literal image both containers of k8s/02-app.yaml name (and DBSHIP_IMAGE repeats); the
# manifest tests keep them equal, so replacing this string retargets the whole pod.
manifest_image=dbship:latest

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
render() { sed -e "s#image: ${manifest_image}\$#image: ${image}#" -e "s#value: ${manifest_image}\$#value: ${image}#" "${1:-k8s/02-app.yaml}"; }
die() { printf 'deploy: error: %s\n' "$1" >&2; [ -n "${2:-}" ] && printf '  fix: %s\n' "$2" >&2; exit 2; }
run() {
  printf '+ %s\n' "$*" >&2
  [ "$dry_run" -eq 1 ] || "$@"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --image) [ $# -ge 2 ] || die "--image needs a value" "--image registry.example.com/dbship:1.4.2"; image=$2; shift 2 ;;
    --image=*) image=${1#--image=}; shift ;;
    --push) push=1; shift ;;
    --no-build) build=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    --print-manifest) print_manifest=1; shift ;;
    --migrate-job) migrate_job=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1" "run scripts/deploy.sh --help" ;;
  esac
done
[[ "$image" =~ ^[A-Za-z0-9._/:@-]+$ ]] || die "--image \"$image\" is not an image reference" "use name:tag, e.g. registry.example.com/dbship:1.4.2"
if [ "$print_manifest" -eq 1 ]; then
  if [ "$migrate_job" -eq 1 ]; then render k8s/jobs/migrate.yaml; else render; fi
  exit 0
fi
command -v kubectl >/dev/null || [ "$dry_run" -eq 1 ] || die "kubectl is not installed" "install kubectl and select the cluster with kubectl config use-context"

if [ "$build" -eq 1 ]; then
  secret=()
  if [ -n "${BUILD_CA_BUNDLE:-}" ]; then
    [ -f "$BUILD_CA_BUNDLE" ] || die "BUILD_CA_BUNDLE=$BUILD_CA_BUNDLE does not exist" "point it at a PEM bundle, or unset it"
    secret=(--secret "id=ca_bundle,src=$BUILD_CA_BUNDLE")
  fi
  run "$tool" build "${secret[@]}" -t "$image" .
fi
[ "$push" -eq 0 ] || run "$tool" push "$image"

# The image the live Deployment runs now (empty on the first deploy).
live_image=
if [ "$dry_run" -eq 0 ]; then
  live_image=$(kubectl get deployment/dbship-app -o 'jsonpath={.spec.template.spec.containers[?(@.name=="app")].image}' 2>/dev/null || true)
fi

# Postgres, Secret and PVC first (the app's init container waits for the database anyway).
run kubectl apply -f k8s/01-postgres.yaml

# With --migrate-job the pending migrations (an online change's expand and backfill) run first, as
# the Job of k8s/jobs/migrate.yaml with the new image, while the current release serves; the
# rollout starts only once it completed, so no init container waits on a long backfill.
if [ "$migrate_job" -eq 1 ]; then
  run kubectl delete job/dbship-migrate --ignore-not-found --wait=true
  printf '+ kubectl apply -f - (k8s/jobs/migrate.yaml with image %s)\n' "$image" >&2
  [ "$dry_run" -eq 1 ] || render k8s/jobs/migrate.yaml | kubectl apply -f -
  printf '+ waiting for job/dbship-migrate (up to %s; progress: kubectl logs -f job/dbship-migrate)\n' "$job_timeout" >&2
  if [ "$dry_run" -eq 0 ]; then
    kubectl wait job/dbship-migrate --for=condition=Complete --timeout="$job_timeout" >/dev/null &
    complete=$!
    kubectl wait job/dbship-migrate --for=condition=Failed --timeout="$job_timeout" >/dev/null &
    failed=$!
    outcome=
    while [ -z "$outcome" ]; do
      if ! kill -0 "$complete" 2>/dev/null; then wait "$complete" && outcome=complete || outcome=timeout; fi
      if [ -z "$outcome" ] && ! kill -0 "$failed" 2>/dev/null; then wait "$failed" && outcome=failed || outcome=timeout; fi
      [ -n "$outcome" ] || sleep 2
    done
    kill "$complete" "$failed" 2>/dev/null || true
    if [ "$outcome" != complete ]; then
      printf '\ndeploy: job/dbship-migrate did not complete (%s); nothing was rolled out. Its last log lines:\n' "$outcome" >&2
      kubectl logs job/dbship-migrate --tail=40 >&2 || true
      printf '  exit codes: 1 migration failed, 2 configuration, 3 database unreachable, 4 lock timeout, 5 integrity, 6 drift (docs/deploy.md)\n' >&2
      printf '  a backfill resumes where it stopped: fix the cause and run this again\n' >&2
      exit 1
    fi
  fi
fi

rendered=$(render)
printf '+ kubectl apply -f - (k8s/02-app.yaml with image %s)\n' "$image" >&2
[ "$dry_run" -eq 1 ] || printf '%s\n' "$rendered" | kubectl apply -f -

# A new image reference rolls the Deployment by itself. The same reference (a mutable tag such as
# :latest, rebuilt) changes nothing Kubernetes can see: restart so new pods start, and their init
# containers apply the new migrations.
if [ "$live_image" = "$image" ] || { [ "$dry_run" -eq 1 ] && [ "$image" = "$manifest_image" ]; }; then
  run kubectl rollout restart deployment/dbship-app
fi

if ! run kubectl rollout status deployment/dbship-app --timeout="$timeout"; then
  printf '\ndeploy: the rollout did not finish. The migration (init container) logs of the newest pods:\n' >&2
  kubectl logs -l app.kubernetes.io/component=app -c migrate --tail=40 --prefix >&2 || true
  printf '  exit codes of the init container: 1 migration failed, 3 database unreachable, 4 lock timeout, 5 integrity, 6 drift (docs/deploy.md)\n' >&2
  printf '  roll back the app with: kubectl rollout undo deployment/dbship-app\n' >&2
  exit 1
fi
if [ "$dry_run" -eq 1 ]; then
  printf 'deploy: dry run, nothing was changed\n' >&2
else
  printf 'deploy: dbship-app is rolled out with %s\n' "$image" >&2
fi
