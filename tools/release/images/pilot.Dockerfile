# syntax=docker/dockerfile:1
# pilot: the istiod image. Build from the repository root:
#   docker build -f tools/release/images/pilot.Dockerfile -t <hub>/pilot:<tag> .
ARG NODE_VERSION=24

# Builder: the repository's own build, exactly as CI runs it (npm ci, npm run build).
FROM node:${NODE_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npm run build
# Image-only step: drop devDependencies (TypeScript, nx, vitest, the Node devDependency) from node_modules.
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ARG VERSION=dev
LABEL org.opencontainers.image.title="pilot" org.opencontainers.image.version="${VERSION}"
WORKDIR /usr/local/lib/mesh
COPY --from=builder /src/package.json ./
COPY --from=builder /src/node_modules ./node_modules
COPY --from=builder /src/libs ./libs
COPY --from=builder /src/apps ./apps
# Image-only step: a `pilot-discovery`-style command on PATH, as upstream's image has.
RUN printf '#!/bin/sh\nexec node /usr/local/lib/mesh/apps/istiod/bin/istiod.js "$@"\n' > /usr/local/bin/istiod \
 && chmod 0755 /usr/local/bin/istiod \
 && groupadd --system --gid 1337 istio && useradd --system --uid 1337 --gid 1337 --home-dir /tmp istio
USER 1337:1337
ENV NODE_ENV=production
ENTRYPOINT ["/usr/local/bin/istiod"]
