#!/usr/bin/env bash
# Packages charts/base, charts/istiod and charts/gateway with one version (default: the root package.json's)
# into an output folder, optionally pushing them to an OCI registry.
#
# Usage: tools/release/package-charts.sh [--out <dir>] [--push oci://<registry>/<path>]
#   VERSION  chart and app version (default: package.json version); the charts' image tag is set to it too.
#   HUB      image registry the packaged charts default to (default: unchanged, ghcr.io/mesh-ts)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$repo_root/dist/charts"
push=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift ;;
    --push) push="${2:?--push needs an oci:// reference}"; shift ;;
    -h|--help) sed -n '2,6p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "package-charts: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if ! command -v helm >/dev/null 2>&1; then
  echo "package-charts: helm is not installed or not on PATH" >&2
  exit 1
fi

version="${VERSION:-$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$repo_root/package.json" | head -n 1)}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for chart in base istiod gateway; do
  cp -R "$repo_root/charts/$chart" "$work/$chart"
  # The images of a release carry the release's version; keep the chart's default tag in step with it.
  if [ -f "$work/$chart/values.yaml" ]; then
    sed -i "s/^\(    tag: \).*/\1$version/" "$work/$chart/values.yaml"
    if [ -n "${HUB:-}" ]; then sed -i "s|^\(    hub: \).*|\1$HUB|" "$work/$chart/values.yaml"; fi
  fi
  helm lint "$work/$chart" >&2
  helm package "$work/$chart" --version "$version" --app-version "$version" --destination "$out" >&2
  pkg="$out/$chart-$version.tgz"
  if [ -n "$push" ]; then helm push "$pkg" "$push" >&2; fi
  echo "$pkg"
done
