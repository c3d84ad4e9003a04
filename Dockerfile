# syntax=docker/dockerfile:1
# The central server image: `scrutin serve` (the API) by default, `scrutin worker` for the
# validators (docker-compose.yml). The server runs as one esbuild bundle (docs/decisions/0001:
# no tsx at run time), as the unprivileged `node` user, with the results console built in.
# Not built on the development machines, which have no Docker engine: server/src/deploy.test.ts
# checks this file against the repository, and server/src/bundle/bundle_server.test.ts builds
# the same bundle with the same step and runs it against PostgreSQL, RabbitMQ and Redis.
FROM node:22-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 (credential shards) builds from source against Node's headers when no
# prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.base.json ./
COPY shared/package.json shared/package.json
COPY server/package.json server/package.json
COPY desktop/package.json desktop/package.json
COPY installers/package.json installers/package.json
COPY demo/package.json demo/package.json
COPY e2e/package.json e2e/package.json
COPY bench/package.json bench/package.json
# Every tool from the lock file (Vite builds the console, esbuild bundles the server); the
# Electron binary is never needed here.
RUN ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
COPY shared/src shared/src
COPY shared/tsconfig.json shared/tsconfig.json
COPY server/src server/src
COPY server/console server/console
COPY server/tsconfig.json server/tsconfig.json
RUN npm run build -w @scrutin/server \
 && npm run bundle -w @scrutin/server -- /out

FROM node:22-bookworm-slim
WORKDIR /app
# espeak-ng renders the audio ballot's clips when a station kit is built (`scrutin kit build`).
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
# A larger young generation: the API and the validators allocate per ballot, and scavenges
# are their largest GC cost (docs/operators.md, capacity).
ENV NODE_OPTIONS=--max-semi-space-size=64
# Owned by root, run by `node`: the server cannot change its own code.
COPY --from=build /out /app
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "server/dist/scrutin.mjs"]
CMD ["serve"]
