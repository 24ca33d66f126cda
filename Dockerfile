# Parley's server image: everything built in one stage, then a small runtime holding the server and
# the web app it serves, run as the unprivileged `node` user with its data in the /data volume.
#
#   docker build -t parley .                                   (from the repository root)
#   docker run -p 8080:8080 -v parley-data:/data parley        (SQLite, plain HTTP: put TLS in front)
#   docker run --rm -v parley-data:/data parley invite --count 5
#
# Configuration: the environment variables in README ("Configuration"); the image sets HOST, PORT,
# PARLEY_DATA_DIR and PARLEY_LOG_FORMAT. deploy/compose.yaml (several nodes behind Caddy) and
# deploy/compose.sqlite.yaml (one node) use it. No container engine runs in CI: README,
# "Deploying", says what of this file is tested and what is not.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles itself when no prebuilt binary matches the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY scripts/ scripts/
COPY packages/core/package.json packages/core/
COPY packages/server/package.json packages/server/
COPY packages/client/package.json packages/client/
COPY packages/cli/package.json packages/cli/
COPY packages/testing/package.json packages/testing/
COPY packages/web/package.json packages/web/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY packages/ packages/
COPY bench/ bench/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ENV HOST=0.0.0.0 \
    PORT=8080 \
    PARLEY_DATA_DIR=/data \
    PARLEY_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/packages/core/package.json packages/core/
COPY --from=build /app/packages/core/dist/ packages/core/dist/
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/bin/ packages/server/bin/
COPY --from=build /app/packages/server/dist/ packages/server/dist/
COPY --from=build /app/packages/web/package.json /app/packages/web/dist-path.js packages/web/
COPY --from=build /app/packages/web/dist/ packages/web/dist/
COPY deploy/container/healthcheck.mjs ./
# The workspace links of the packages left out (the clients, test helpers, benchmarks) go too.
RUN find node_modules -xtype l -delete \
  && mkdir -p /data \
  && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/packages/server/dist/main.js"]
