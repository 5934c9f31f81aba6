#!/usr/bin/env bash
# Builds every mesh image (pilot, proxyv2, istioctl) with one version tag, from the repository root.
#
# Usage: tools/release/build-images.sh [--push] [--only <image>]
#   HUB  registry/owner prefix (default: the charts' global.hub, ghcr.io/mesh-ts)
#   TAG  image tag (default: the version in the root package.json, which the charts default to)
# Prints the built references, one per line, on stdout.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
images=(pilot proxyv2 istioctl)
push=false
only=""

while [ "$#" -gt 0 ]; do
  case "$1" in
    --push) push=true ;;
    --only) only="${2:?--only needs an image name}"; shift ;;
    -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build-images: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

if ! command -v docker >/dev/null 2>&1; then
  echo "build-images: docker is not installed or not on PATH" >&2
  exit 1
fi

version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$repo_root/package.json" | head -n 1)"
HUB="${HUB:-ghcr.io/mesh-ts}"
TAG="${TAG:-$version}"
if [ -z "$TAG" ]; then
  echo "build-images: no TAG given and no version found in package.json" >&2
  exit 1
fi

for image in "${images[@]}"; do
  if [ -n "$only" ] && [ "$only" != "$image" ]; then continue; fi
  ref="$HUB/$image:$TAG"
  echo "build-images: building $ref" >&2
  DOCKER_BUILDKIT=1 docker build \
    --file "$repo_root/tools/release/images/$image.Dockerfile" \
    --build-arg "VERSION=$TAG" \
    --tag "$ref" \
    "$repo_root" >&2
  if [ "$push" = true ]; then
    docker push "$ref" >&2
  fi
  echo "$ref"
done
