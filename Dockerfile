# syntax=docker/dockerfile:1.7
# One image for every dvk service (ingest, scoring, ranking, api) and the `dvk` command (cli). Each service is a `pnpm deploy`
# of its workspace package with production dependencies only, under /app/<service>; compose picks
# the service with its working directory and command:
#   working_dir: /app/scoring   command: ["node", "--import", "tsx", "src/main.ts"]
# The services run their TypeScript through tsx, so tsx is a dependency of each service.
#
#   docker build -t dvk:latest .
#   docker run --rm -e DVK_STORE=esdb -e DVK_ESDB_URL=… -w /app/scoring dvk:latest node --import tsx src/main.ts

ARG NODE_VERSION=20

# --- build: the workspace, installed from the lockfile, then one deployment per service --------
FROM node:${NODE_VERSION}-bookworm AS build
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
# better-sqlite3 compiles when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10
WORKDIR /src
# Dependencies first (cached while the lockfile does not change), then the sources.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile --offline
# cli: the `dvk` command, for operators (sources, admins, backups, verify): see infra/README.md.
ARG SERVICES="ingest scoring ranking api cli"
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    set -eu; \
    for s in $SERVICES; do \
      pnpm --filter "@dvk/svc-$s" deploy --legacy --prod "/out/$s"; \
      test -e "/out/$s/src/main.ts" || { echo "services/$s/src/main.ts is missing"; exit 1; }; \
      test -e "/out/$s/node_modules/tsx" || { echo "tsx must be a dependency of @dvk/svc-$s (the services run TypeScript through tsx)"; exit 1; }; \
    done
COPY infra/healthcheck.mjs /out/healthcheck.mjs

# --- runtime: slim, no build tools, not root ----------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
RUN groupadd --system --gid 10001 dvk \
 && useradd --system --uid 10001 --gid dvk --home-dir /app --no-create-home --shell /usr/sbin/nologin dvk \
 && mkdir -p /data \
 && chown dvk:dvk /data
WORKDIR /app
# The code belongs to root and is read-only for the service user; only /data is writable.
COPY --from=build --chown=root:root /out/ /app/
USER dvk
VOLUME ["/data"]
EXPOSE 8080 8081 8082 8083
ENV DVK_HEALTH_PORT=8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 CMD ["node", "/app/healthcheck.mjs"]
WORKDIR /app/api
CMD ["node", "--import", "tsx", "src/main.ts"]
