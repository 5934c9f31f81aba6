#!/usr/bin/env bash
# The kind path: a throwaway kind cluster with the mesh installed from this repository's images and charts,
# Bookinfo from upstream's YAML, a /productpage fetch through the ingress gateway and the request-routing task.
#
# Usage: npm run e2e:kind            (or: bash e2e/kind/run.sh)
# Environment:
#   CLUSTER_NAME   kind cluster name (default mesh-e2e)
#   KEEP_CLUSTER   1 keeps the cluster afterwards (default: deleted, also on failure)
#   SKIP_BUILD     1 uses already built images instead of running tools/release/build-images.sh
#   HUB, TAG       image names (default: the charts' defaults, ghcr.io/mesh-ts and the package.json version)
#   BOOKINFO       folder or URL holding upstream's samples/bookinfo (default: ../shared/istio/bookinfo when
#                  present, else https://raw.githubusercontent.com/istio/istio/$ISTIO_REF/samples/bookinfo)
#   ISTIO_REF      upstream git ref for the Bookinfo YAML (default master)
#   LOCAL_PORT     local port forwarded to the gateway's port 80 (default 18080)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_NAME="${CLUSTER_NAME:-mesh-e2e}"
KEEP_CLUSTER="${KEEP_CLUSTER:-0}"
SKIP_BUILD="${SKIP_BUILD:-0}"
LOCAL_PORT="${LOCAL_PORT:-18080}"
ISTIO_REF="${ISTIO_REF:-master}"
version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$repo_root/package.json" | head -n 1)"
export HUB="${HUB:-ghcr.io/mesh-ts}"
export TAG="${TAG:-$version}"
if [ -z "${BOOKINFO:-}" ]; then
  if [ -d "$repo_root/../shared/istio/bookinfo/platform/kube" ]; then
    BOOKINFO="$(cd "$repo_root/../shared/istio/bookinfo" && pwd)"
  else
    BOOKINFO="https://raw.githubusercontent.com/istio/istio/$ISTIO_REF/samples/bookinfo"
  fi
fi

log() { printf '[e2e-kind] %s\n' "$*" >&2; }
die() { printf '[e2e-kind] ERROR: %s\n' "$*" >&2; exit 1; }

# Fail fast, before anything is created, when a tool is missing.
require() {
  local tool="$1" hint="$2"
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed or not on PATH ($hint)"
}
require docker "install Docker: https://docs.docker.com/engine/install/"
require kind "install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
require kubectl "install kubectl: https://kubernetes.io/docs/tasks/tools/"
require helm "install Helm 3.8+: https://helm.sh/docs/intro/install/"
require curl "install curl"
docker info >/dev/null 2>&1 || die "docker is installed but its daemon is not reachable (is it running, may this user use it?)"

forward_pid=""
created=0
workdir="$(mktemp -d)"
cleanup() {
  local rc=$?
  if [ -n "$forward_pid" ]; then kill "$forward_pid" 2>/dev/null || true; fi
  if [ "$rc" -ne 0 ] && [ "$created" = 1 ]; then
    log "failed (exit $rc); pods at the time of failure:"
    kubectl get pods -A -o wide >&2 || true
  fi
  # Only a cluster this run created is deleted.
  if [ "$created" = 1 ] && [ "$KEEP_CLUSTER" != 1 ]; then
    kind delete cluster --name "$CLUSTER_NAME" >/dev/null 2>&1 || true
  fi
  rm -rf "$workdir"
  exit "$rc"
}
trap cleanup EXIT

bookinfo_file() { printf '%s/%s' "$BOOKINFO" "$1"; }

log "creating kind cluster $CLUSTER_NAME"
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  die "a kind cluster named $CLUSTER_NAME already exists; delete it or set CLUSTER_NAME"
fi
created=1
kind create cluster --name "$CLUSTER_NAME" --wait 180s
kubectl config use-context "kind-$CLUSTER_NAME" >/dev/null

if [ "$SKIP_BUILD" != 1 ]; then
  log "building images $HUB/{pilot,proxyv2,istioctl}:$TAG"
  bash "$repo_root/tools/release/build-images.sh" >/dev/null
fi
for image in pilot proxyv2; do
  log "loading $HUB/$image:$TAG into the cluster"
  kind load docker-image "$HUB/$image:$TAG" --name "$CLUSTER_NAME"
done

log "installing charts (base, istiod, gateway)"
helm install istio-base "$repo_root/charts/base" -n istio-system --create-namespace --wait
helm install istiod "$repo_root/charts/istiod" -n istio-system --set profile=demo \
  --set global.hub="$HUB" --set global.tag="$TAG" --wait --timeout 5m
# Not --wait: a LoadBalancer Service never gets an address on kind; the rollout is what matters.
helm install istio-ingressgateway "$repo_root/charts/gateway" -n istio-ingress --create-namespace --set profile=demo
kubectl -n istio-ingress rollout status deployment/istio-ingressgateway --timeout=300s

log "deploying Bookinfo into default (istio-injection=enabled)"
kubectl label namespace default istio-injection=enabled --overwrite
kubectl apply -f "$(bookinfo_file platform/kube/bookinfo.yaml)"
kubectl apply -f "$(bookinfo_file networking/bookinfo-gateway.yaml)"
kubectl apply -f "$(bookinfo_file networking/destination-rule-all.yaml)"
for deployment in $(kubectl get deployments -n default -o name); do
  kubectl rollout status -n default "$deployment" --timeout=600s
done
kubectl wait --for=condition=Ready pods --all -n default --timeout=300s
for pod in $(kubectl get pods -n default -o jsonpath='{.items[*].metadata.name}'); do
  containers="$(kubectl get pod -n default "$pod" -o jsonpath='{.spec.containers[*].name} {.spec.initContainers[*].name}')"
  case " $containers " in
    *" istio-proxy "*) ;;
    *) die "pod $pod was not injected (containers: $containers)" ;;
  esac
done

log "forwarding localhost:$LOCAL_PORT to the ingress gateway"
kubectl -n istio-ingress port-forward service/istio-ingressgateway "$LOCAL_PORT:80" >"$workdir/port-forward.log" 2>&1 &
forward_pid=$!
base_url="http://127.0.0.1:$LOCAL_PORT"

# fetch <output-file> [curl args...]: GET /productpage, 200 expected.
fetch() {
  local out="$1"; shift
  local code
  code="$(curl -sS -o "$out" -w '%{http_code}' --max-time 10 "$@" "$base_url/productpage")" || return 1
  [ "$code" = 200 ]
}

log "fetching /productpage through the gateway"
ok=0
for _ in $(seq 1 60); do
  if fetch "$workdir/page.html" && grep -q 'Simple Bookstore App' "$workdir/page.html"; then ok=1; break; fi
  sleep 2
done
[ "$ok" = 1 ] || die "/productpage did not answer 200 with the Bookinfo page through the gateway within 120 s"
log "/productpage OK"

# Star markers of the productpage HTML (old and new Bookinfo templates).
has_stars() { grep -Eq 'glyphicon-star|text-(black|red)-[0-9]+|font color="(black|red)"' "$1"; }
has_black_stars() { grep -Eq 'text-black-[0-9]+|font color="black"' "$1"; }

# expect_pages <count> <predicate> <description> [curl args...]: every one of <count> pages satisfies it.
expect_pages() {
  local count="$1" predicate="$2" what="$3"; shift 3
  local i
  for i in $(seq 1 "$count"); do
    fetch "$workdir/check.html" "$@" || die "request $i for '$what' failed"
    "$predicate" "$workdir/check.html" || die "request $i: expected $what"
  done
}
no_stars() { ! has_stars "$1"; }

log "request routing: virtual-service-all-v1 (reviews v1 only: never any stars)"
kubectl apply -f "$(bookinfo_file networking/virtual-service-all-v1.yaml)"
sleep 5
expect_pages 10 no_stars "no stars with all traffic on v1"

log "request routing: virtual-service-reviews-test-v2 (jason gets black stars, everyone else none)"
kubectl apply -f "$(bookinfo_file networking/virtual-service-reviews-test-v2.yaml)"
sleep 5
curl -sS -o /dev/null --max-time 10 -c "$workdir/jason.cookies" -d 'username=jason&passwd=jason' "$base_url/login"
expect_pages 10 has_black_stars "black stars for jason" -b "$workdir/jason.cookies"
expect_pages 10 no_stars "no stars for an anonymous user"

log "PASS: Bookinfo through the gateway and request routing on kind"
