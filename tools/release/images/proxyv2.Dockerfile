# syntax=docker/dockerfile:1
# proxyv2: pilot-agent + the proxy (mesh-proxy, reachable as envoy) + istio-iptables, as the injected
# istio-proxy and istio-init containers expect. Build from the repository root:
#   docker build -f tools/release/images/proxyv2.Dockerfile -t <hub>/proxyv2:<tag> .
ARG NODE_VERSION=24

# Builder: the repository's own build (npm ci, npm run build) plus the N-API addon for SO_ORIGINAL_DST.
FROM node:${NODE_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npm run build
# Image-only step: compile libs/sockopt's addon with the builder's C compiler and Node headers.
RUN npm run build:addon -w @mesh/sockopt && test -f libs/sockopt/build/sockopt.node
# Image-only step: drop devDependencies from node_modules.
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ARG VERSION=dev
LABEL org.opencontainers.image.title="proxyv2" org.opencontainers.image.version="${VERSION}"
# iptables for istio-init (both the legacy and nft backends ship in Debian's package).
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables iproute2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/local/lib/mesh
COPY --from=builder /src/package.json ./
COPY --from=builder /src/node_modules ./node_modules
COPY --from=builder /src/libs ./libs
COPY --from=builder /src/apps ./apps
# Image-only step: the commands upstream's image puts on PATH. The agent starts /usr/local/bin/envoy by default.
RUN wrap() { printf '#!/bin/sh\nexec node %s/usr/local/lib/mesh/%s "$@"\n' "${3:+$3 }" "$2" > "/usr/local/bin/$1"; chmod 0755 "/usr/local/bin/$1"; } \
 && wrap pilot-agent apps/pilot-agent/bin/pilot-agent.js \
 && wrap envoy apps/proxy/bin/mesh-proxy.js --max-semi-space-size=8 \
 && wrap mesh-proxy apps/proxy/bin/mesh-proxy.js --max-semi-space-size=8 \
 && wrap istio-iptables apps/init/bin/istio-iptables.js \
 && groupadd --system --gid 1337 istio-proxy \
 && useradd --system --uid 1337 --gid 1337 --home-dir /etc/istio/proxy istio-proxy \
 && mkdir -p /etc/istio/proxy /var/lib/istio/data \
 && chown -R 1337:1337 /etc/istio/proxy /var/lib/istio
# The proxy runs as UID 1337: istio-init's rules exempt this UID's traffic from capture.
USER 1337:1337
ENV NODE_ENV=production
ENTRYPOINT ["/usr/local/bin/pilot-agent"]
