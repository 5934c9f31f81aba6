# syntax=docker/dockerfile:1
# istioctl: the CLI. Build from the repository root:
#   docker build -f tools/release/images/istioctl.Dockerfile -t <hub>/istioctl:<tag> .
ARG NODE_VERSION=24

# Builder: the repository's own build (npm ci, npm run build).
FROM node:${NODE_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npm run build
# Image-only step: drop devDependencies from node_modules.
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ARG VERSION=dev
LABEL org.opencontainers.image.title="istioctl" org.opencontainers.image.version="${VERSION}"
WORKDIR /usr/local/lib/mesh
COPY --from=builder /src/package.json ./
COPY --from=builder /src/node_modules ./node_modules
COPY --from=builder /src/libs ./libs
COPY --from=builder /src/apps ./apps
# `istioctl install` renders the same charts.
COPY --from=builder /src/charts ./charts
RUN printf '#!/bin/sh\nexec node /usr/local/lib/mesh/apps/istioctl/bin/istioctl.js "$@"\n' > /usr/local/bin/istioctl \
 && chmod 0755 /usr/local/bin/istioctl \
 && groupadd --system --gid 1337 istio && useradd --system --uid 1337 --gid 1337 --home-dir /tmp istio
USER 1337:1337
ENV NODE_ENV=production
ENTRYPOINT ["/usr/local/bin/istioctl"]
